"""Tests of gawah.claims."""
