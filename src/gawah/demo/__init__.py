"""The fictional demo scenario and the `gawah demo` command."""
