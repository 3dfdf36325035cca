"""Customer accounts and privacy (issue 18): sign-up, sign-in and passwords, the account page,
and a customer's rights of access and erasure across the apps. See apps.AccountsConfig."""
