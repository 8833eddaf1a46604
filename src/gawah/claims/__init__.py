"""gawah.claims"""
