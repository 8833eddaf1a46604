"""gawah.core"""
