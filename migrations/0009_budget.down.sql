DROP TABLE IF EXISTS spend_entries, budget_lines;
