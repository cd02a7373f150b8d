"""Voice prompts recorded by the reform office: one clip per question, choice and title of a questionnaire
version in a language, published with the version and played by the kiosk's read-aloud."""
