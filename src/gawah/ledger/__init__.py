"""gawah.ledger"""
