"""The sql domain passes forge's DomainContract, loaded through the plugin manager."""

from __future__ import annotations

from forge.testing import DomainContract

FENCE = "```sql\n{}\n```"


class TestSqlContract(DomainContract):
    domain_name = "sql"
    min_tasks = 30
    good_answers = [
        (
            "shop-lyon-customers",
            FENCE.format("SELECT name FROM customers WHERE city = 'Lyon' ORDER BY name;"),
        ),
        (
            "hr-department-headcount",
            "Here it is:\n"
            + FENCE.format(
                "SELECT d.name, COUNT(e.id)\nFROM departments d\nLEFT JOIN employees e ON e.department_id = d.id\nGROUP BY d.name"
            ),
        ),
        (
            "school-term-average",
            FENCE.format(
                "SELECT term, ROUND(AVG(grade), 1) AS avg_grade FROM enrollments WHERE grade IS NOT NULL GROUP BY term ORDER BY term"
            ),
        ),
    ]
    bad_answers = [
        ("shop-lyon-customers", FENCE.format("SELECT name FROM customers WHERE city = 'Paris'")),
        ("shop-lyon-customers", FENCE.format("SELECT nme FROM customers")),
        ("hr-no-bonus", FENCE.format("DELETE FROM employees")),
        ("hr-no-bonus", FENCE.format("SELECT COUNT(*) FROM employees WHERE bonus = ''")),
        ("school-year2-count", "I think the answer is 4."),
    ]
