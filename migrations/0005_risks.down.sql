DROP TABLE IF EXISTS risk_reviews, risks;
