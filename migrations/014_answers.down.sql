DROP TABLE letter_queue;
DROP TABLE answer_withheld;
