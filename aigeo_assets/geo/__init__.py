"""Geocoding: GeoNames gazetteer, affiliation matcher, UN M49 regions and East/West blocs."""
