"""Entries (入口) and their function catalogue (功能菜单: menus and buttons, as a tree)."""
