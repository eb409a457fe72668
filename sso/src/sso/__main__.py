"""`python -m sso serve|migrate|demo-data|create-platform-admin|register-functions|sync-catalogue`."""

from sso.cli import main

if __name__ == "__main__":
    main()
