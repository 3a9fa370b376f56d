"""Emulated real card families (iran-nid-cards.md), answering the spec's APDUs.

Everything a profile holds is TEST material; where the spec leaves a detail
open the profile's code says which assumption it makes.
"""
