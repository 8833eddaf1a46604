"""gawah.registry"""
