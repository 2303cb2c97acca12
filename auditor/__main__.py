"""``python -m auditor``: the ``auditor`` command."""

from auditor.cli.entry import main

if __name__ == "__main__":
    main()
