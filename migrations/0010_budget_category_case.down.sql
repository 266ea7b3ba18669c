DROP INDEX IF EXISTS budget_lines_category_key;
ALTER TABLE budget_lines ADD CONSTRAINT budget_lines_project_id_category_key UNIQUE (project_id, category);
