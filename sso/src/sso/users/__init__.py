"""Users (用户): one store for every entry's users, their passwords and roles."""
