"""gawah (Urdu: witness): record, preserve, reconcile and count the victims of a crackdown."""

__version__ = "0.1.0"
