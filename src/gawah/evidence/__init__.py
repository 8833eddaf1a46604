"""gawah.evidence"""
