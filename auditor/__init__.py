"""NextGen account auditor: finds PACER / CM/ECF accounts not ready for NextGen CM/ECF."""

__version__ = "0.1.0"
