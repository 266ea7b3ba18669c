DROP TABLE deliveries;
DROP TABLE notification_digest;
DROP TABLE notification_prefs;
DROP TABLE project_webhooks;
