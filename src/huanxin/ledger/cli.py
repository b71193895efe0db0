"""`huanxin ledger …`: verify that balances rebuild from entries."""

from __future__ import annotations

import typer

app = typer.Typer(help="预算账本", no_args_is_help=True)
