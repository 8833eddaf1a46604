"""gawah.sync"""
