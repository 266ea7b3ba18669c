DROP TABLE IF EXISTS adoption_figures;
