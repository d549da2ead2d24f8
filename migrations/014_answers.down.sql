DROP TABLE answer_withheld;
