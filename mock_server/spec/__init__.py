"""The descriptions in openapi/ turned into routes, validators and the request pipeline."""
