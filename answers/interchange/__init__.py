"""Import and export of content files (docs/content-format.md), by step:

- files.py: one file's format, Markdown with a YAML header (read and write);
- mapping.py: how a file's data maps onto the models and back;
- checking.py: `load_batch` reads and checks a whole import before anything
  is written, collecting every problem;
- importing.py: `apply_batch` writes a clean batch through the same services
  as the admin (save_draft, for conditions and questions), all files or none;
- exporting.py: `export_content` writes the current drafts in the same format.
"""

from answers.exceptions import InterchangeError
from answers.interchange.checking import Batch, ContentFile, Problem, load_batch
from answers.interchange.exporting import export_content
from answers.interchange.importing import ImportFailed, Outcome, Report, apply_batch

__all__ = [
    "Batch",
    "ContentFile",
    "ImportFailed",
    "InterchangeError",
    "Outcome",
    "Problem",
    "Report",
    "apply_batch",
    "export_content",
    "load_batch",
]
