"""Settings for the whole test session."""

from hypothesis import settings

# Property tests check behaviour, never speed: a per-example deadline only measures how busy the
# machine is (CI shares two cores with builds and browsers). Speed lives in `make bench`.
settings.register_profile("jobctl", deadline=None)
settings.load_profile("jobctl")
