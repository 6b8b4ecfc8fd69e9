"""A large, repeatable data set for load tests (`manage.py generate_dataset`)."""
