DROP TABLE breach_reminders;
DROP TABLE breaches;
