-- Budget categories are matched without regard to case (imports, the API),
-- so two lines may not differ only in case.
ALTER TABLE budget_lines DROP CONSTRAINT budget_lines_project_id_category_key;
CREATE UNIQUE INDEX budget_lines_category_key ON budget_lines (project_id, lower(category));
