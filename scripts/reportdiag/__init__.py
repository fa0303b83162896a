"""reportdiag: diagnose Chinese work reports for the four party-building/business integration problems.

The categories come from 王晓英《基层党建与业务工作深度融合的机制探索》; the codebook YAML in
``resources/codebook.yaml`` is their single source inside the project.
"""

__version__ = "0.1.0"

# Bumped when the pickled model's form changes, so an old model file is retrained instead of misread
# (kept here, not in model.py, so the Snakefile can read it without importing numpy and scipy).
MODEL_FORMAT = 3
