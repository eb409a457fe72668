"""What every module of insurance shares: checks of identity data, masking, clock, scope."""
