"""The ``derive`` command line.

Each command lives in a small module of this package that exposes ``register(app)``; this file
only assembles them. Command modules import SymPy/NumPy inside the command functions, so
``derive --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperGroup

#: Modules that add commands to the app, in the order they appear in ``derive --help``.
COMMAND_MODULES = [
    "derive.cli.topics",
    "derive.cli.prove",
    "derive.cli.report",
    "derive.cli.fscore",
    "derive.cli.codegen",
    "derive.cli.gradcheck",
    "derive.cli.grad",
    "derive.cli.check",
    "derive.cli.grade",
    "derive.cli.verify",
    "derive.cli.serve",
    "derive.cli.train",
]


class _Group(TyperGroup):
    """A command group that answers an unknown command with the list of topics (exit code 2)."""

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from derive.topics import TOPICS

            typer.echo(
                f"Error: unknown topic or command {name!r}.\n"
                f"Topics: {', '.join(TOPICS)}\n"
                f"Commands: {', '.join(sorted(set(self.list_commands(ctx)) - set(TOPICS)))}\n"
                "Run 'derive --help' for usage.",
                err=True,
            )
            ctx.exit(2)
        return super().resolve_command(ctx, args)

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self.commands)  # registration order, not alphabetical


app = typer.Typer(
    cls=_Group,
    name="derive",
    help="Derive, prove and render the mathematics of GLMs, softmax and MLPs "
    "(e.g. 'derive softmax --latex').",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    app()
