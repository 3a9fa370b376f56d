"""Drivers for the card families a reader may hold (iran-nid-cards.md).

One interface (`base.CardDriver`), one module per family, and `detect` to pick
the family from the ATR and from which application answers.
"""
