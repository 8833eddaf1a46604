"""gawah.estimate"""
