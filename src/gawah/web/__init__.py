"""gawah.web"""
