"""gawah.linkage"""
