"""The "一表三单" survey lists, the key project library sheet and the province's batch sheet as Excel:
one column table per sheet (layouts) for both import (importer) and export (export).

For the CLI and other callers: `import_workbook(session, scope, data)`, `export_lists(session, scope,
keys)`, `export_library(session, scope)`, `export_template()`, `export_batch(session, scope, batch_id)`."""

from huanxin.projects.lists.export import XLSX_TYPE, export_batch, export_library, export_lists, export_template
from huanxin.projects.lists.importer import ImportRejected, ImportResult, import_workbook

__all__ = ["XLSX_TYPE", "ImportRejected", "ImportResult", "export_batch", "export_library", "export_lists",
           "export_template", "import_workbook"]
