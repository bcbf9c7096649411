/// The word lists identity records are drawn from.
enum Vocabulary {
    static let givenNames = [
        "Ada", "Alan", "Alice", "Amara", "Andrei", "Anna", "Aziz", "Beatriz", "Bjorn", "Carlos", "Chen", "Chloe",
        "Daniel", "Dmitri", "Elena", "Emeka", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan",
        "Jamal", "Jana", "Jose", "Julia", "Kai", "Kenji", "Lars", "Leila", "Liam", "Lucia", "Maya", "Mateo",
        "Mei", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sami", "Sara", "Sofia", "Tariq",
        "Tomas", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoe",
    ]
    static let familyNames = [
        "Abe", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Brown", "Castro", "Chen", "Costa", "Dubois",
        "Eriksson", "Fischer", "Garcia", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hoffmann", "Ivanova", "Jansen",
        "Johnson", "Kaur", "Kim", "Kowalski", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Muller",
        "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt",
        "Silva", "Singh", "Smith", "Tanaka", "Novotny", "Wagner", "Wang", "Weber", "Williams", "Yilmaz", "Zhang",
    ]
    static let departments = [
        "Engineering", "Finance", "Human Resources", "Legal", "Marketing", "Operations", "Procurement", "Research",
        "Sales", "Security", "Support", "IT Services",
    ]
    static let titles = [
        "Analyst", "Senior Analyst", "Engineer", "Senior Engineer", "Staff Engineer", "Manager", "Director",
        "Specialist", "Coordinator", "Consultant", "Administrator", "Team Lead", "Associate", "Architect",
    ]
    static let sites = [
        "Berlin HQ", "Boston", "Dublin", "Lisbon", "London Canary Wharf", "Madrid", "Munich", "Nairobi",
        "New York", "Paris La Defense", "Singapore", "Sydney", "Tokyo", "Toronto", "Warsaw", "Remote",
    ]
    static let groups = [
        "all-staff", "vpn-users", "wiki-editors", "finance-readers", "eng-oncall", "github-org", "sso-admins",
        "payroll", "travel-approvers", "building-access", "sales-emea", "sales-amer", "hr-partners", "legal-hold",
    ]
    static let statuses = ["active", "active", "active", "active", "suspended", "pending", "disabled"]
}
