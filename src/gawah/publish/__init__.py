"""gawah.publish"""
