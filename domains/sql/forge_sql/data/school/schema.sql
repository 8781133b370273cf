CREATE TABLE teachers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL);
CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT NOT NULL, year INTEGER NOT NULL, birth_date TEXT NOT NULL, advisor_id INTEGER REFERENCES teachers(id));
CREATE TABLE courses (id INTEGER PRIMARY KEY, title TEXT NOT NULL, department TEXT NOT NULL, credits INTEGER NOT NULL, teacher_id INTEGER REFERENCES teachers(id));
CREATE TABLE enrollments (student_id INTEGER NOT NULL REFERENCES students(id), course_id INTEGER NOT NULL REFERENCES courses(id), term TEXT NOT NULL, grade REAL, PRIMARY KEY (student_id, course_id, term));
