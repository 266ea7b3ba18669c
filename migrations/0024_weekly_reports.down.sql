DROP TABLE weekly_report_settings;
DROP TABLE weekly_reports;
