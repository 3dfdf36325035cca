"""Reminders sent by beat (issue 19): scans not uploaded 3 and 7 days after payment, an assessment
result not followed up after 7 days (only with marketing consent), and a delivery follow-up 14 days
after delivery. Each is sent at most once (`SentReminder`'s unique constraints) through the shared
outbox (`fitsperfect.outbox`), so a broker outage loses none; the ones that are not transactional
carry a signed one-click unsubscribe link, recorded as a `ReminderOptOut`."""
