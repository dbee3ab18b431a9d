"""Subsidy service: the yearly, versioned subsidy policies (补助政策) and, later, the decisions made under them."""
