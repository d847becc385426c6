"""The ethics committee: confidential referrals, the committee's opinions and the public register of positions."""
