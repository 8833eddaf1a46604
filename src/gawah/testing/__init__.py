"""Test doubles and generators that ship with gawah, for our tests and for users'.

Import the submodule you need (``from gawah.testing.scenario import ...``); this
package re-exports nothing, so each domain owns its own generator module.
All generated people, places and events are fictional.
"""

__all__: list[str] = []
