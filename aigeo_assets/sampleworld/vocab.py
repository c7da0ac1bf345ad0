"""Static vocabularies of the sample world: concepts, topics, venues, words and names."""

from __future__ import annotations

OA = "https://openalex.org/"
WD = "https://www.wikidata.org/wiki/"

# (id, wikidata, display_name, level)
C_AI = ("C154945302", "Q11660", "Artificial intelligence", 1)
C_CS = ("C41008148", "Q21198", "Computer science", 0)
LIFESCI_L0 = [
    ("C71924100", "Q11190", "Medicine", 0),
    ("C86803240", "Q420", "Biology", 0),
    ("C185592680", "Q2329", "Chemistry", 0),
    ("C15744967", "Q9418", "Psychology", 0),
]
LIFESCI_L1 = {
    "C71924100": [("C126838900", "Q77604", "Radiology", 1), ("C126322002", "Q11180", "Internal medicine", 1),
                  ("C142724271", "Q7208", "Pathology", 1)],
    "C86803240": [("C60644358", "Q128570", "Bioinformatics", 1), ("C54355233", "Q7162", "Genetics", 1),
                  ("C70721500", "Q177005", "Computational biology", 1)],
    "C185592680": [("C55493867", "Q7094", "Biochemistry", 1), ("C147597530", "Q369472", "Computational chemistry", 1)],
    "C15744967": [("C180747234", "Q23373", "Cognitive psychology", 1), ("C169760540", "Q207011", "Neuroscience", 1)],
}
AI_SUB = [
    ("C119857082", "Q2539", "Machine learning", 1),
    ("C108583219", "Q197536", "Deep learning", 2),
    ("C50644808", "Q192776", "Artificial neural network", 2),
    ("C31972630", "Q844240", "Computer vision", 1),
    ("C204321447", "Q30642", "Natural language processing", 1),
    ("C153180895", "Q7148389", "Pattern recognition (psychology)", 2),
    ("C12267149", "Q282453", "Support vector machine", 2),
    ("C97541855", "Q830687", "Reinforcement learning", 2),
    ("C124101348", "Q172491", "Data mining", 1),
    ("C90509273", "Q11012", "Robot", 2),
]
NONAI_CS = [
    ("C31258907", "Q1301371", "Computer network", 1),
    ("C120314980", "Q180634", "Distributed computing", 1),
    ("C80444323", "Q844718", "Theoretical computer science", 1),
    ("C115903868", "Q80993", "Software engineering", 1),
    ("C77088390", "Q8513", "Database", 1),
]
OTHER_L0 = [
    ("C33923547", "Q395", "Mathematics", 0),
    ("C121332964", "Q413", "Physics", 0),
    ("C127413603", "Q11023", "Engineering", 0),
    ("C162324750", "Q8134", "Economics", 0),
    ("C192562407", "Q228736", "Materials science", 0),
]

# Topics: (T id, name, subfield id, subfield name, field id, field name, domain id, domain name)
_CS = (17, "Computer Science", 3, "Physical Sciences")
TOPICS_AI = [
    ("T10036", "Advanced Neural Network Applications", 1702, "Artificial Intelligence") + _CS,
    ("T10028", "Topic Modeling", 1702, "Artificial Intelligence") + _CS,
    ("T11307", "Domain Adaptation and Few-Shot Learning", 1702, "Artificial Intelligence") + _CS,
    ("T10462", "Reinforcement Learning in Robotics", 1702, "Artificial Intelligence") + _CS,
    ("T10320", "Neural Networks and Applications", 1702, "Artificial Intelligence") + _CS,
    ("T12535", "Machine Learning and Data Classification", 1702, "Artificial Intelligence") + _CS,
]
TOPICS_CV = [
    ("T10052", "Medical Image Segmentation Techniques", 1707, "Computer Vision and Pattern Recognition") + _CS,
    ("T10331", "Video Surveillance and Tracking Methods", 1707, "Computer Vision and Pattern Recognition") + _CS,
]
TOPICS_NONAI_CS = [
    ("T10273", "IoT and Edge/Fog Computing", 1705, "Computer Networks and Communications") + _CS,
    ("T10054", "Parallel Computing and Optimization Techniques", 1708, "Hardware and Architecture") + _CS,
    ("T10260", "Software Engineering Research", 1712, "Software") + _CS,
]
TOPICS_LIFESCI = [
    ("T10862", "AI in cancer detection", 2741, "Radiology, Nuclear Medicine and Imaging", 27, "Medicine", 4,
     "Health Sciences"),
    ("T10044", "Protein Structure and Dynamics", 1312, "Molecular Biology", 13,
     "Biochemistry, Genetics and Molecular Biology", 1, "Life Sciences"),
    ("T10429", "EEG and Brain-Computer Interfaces", 2805, "Cognitive Neuroscience", 28, "Neuroscience", 1,
     "Life Sciences"),
    ("T10074", "Computational Drug Discovery Methods", 3002, "Drug Discovery", 30,
     "Pharmacology, Toxicology and Pharmaceutics", 1, "Life Sciences"),
]
TOPICS_OTHER = [
    ("T10108", "Numerical methods in engineering", 2604, "Applied Mathematics", 26, "Mathematics", 3,
     "Physical Sciences"),
    ("T10588", "Advanced Materials Characterization Techniques", 2505, "Materials Chemistry", 25,
     "Materials Science", 3, "Physical Sciences"),
    ("T10197", "Economic Growth and Productivity", 2002, "Economics and Econometrics", 20,
     "Economics, Econometrics and Finance", 2, "Social Sciences"),
]

# Venues: (S id, display_name, issn_l, type, bloc lean: +1 West, -1 East, 0 neutral, kind)
VENUES = [
    ("S199944782", "IEEE Transactions on Pattern Analysis and Machine Intelligence", "0162-8828", "journal", 1, "ai"),
    ("S110716580", "Neural Networks", "0893-6080", "journal", 0, "ai"),
    ("S134617826", "Machine Learning", "0885-6125", "journal", 1, "ai"),
    ("S196139623", "Artificial Intelligence", "0004-3702", "journal", 1, "ai"),
    ("S41126364", "Pattern Recognition", "0031-3203", "journal", 0, "ai"),
    ("S45693802", "Neurocomputing", "0925-2312", "journal", -1, "ai"),
    ("S62148650", "Expert Systems with Applications", "0957-4174", "journal", -1, "ai"),
    ("S4210175523", "IEEE Transactions on Neural Networks and Learning Systems", "2162-237X", "journal", -1, "ai"),
    ("S118988714", "Journal of Machine Learning Research", "1532-4435", "journal", 1, "ai"),
    ("S202381698", "Knowledge-Based Systems", "0950-7051", "journal", -1, "ai"),
    ("S155227335", "Applied Soft Computing", "1568-4946", "journal", -1, "ai"),
    ("S4306420609", "Computer Vision and Pattern Recognition", None, "conference", 0, "ai"),
    ("S4306420508", "Neural Information Processing Systems", None, "conference", 1, "ai"),
    ("S4306419644", "International Conference on Machine Learning", None, "conference", 1, "ai"),
    ("S4210191458", "Proceedings of the AAAI Conference on Artificial Intelligence", "2159-5399", "conference", -1, "ai"),
    ("S4306418646", "International Joint Conference on Artificial Intelligence", None, "conference", -1, "ai"),
    ("S4306420633", "Meeting of the Association for Computational Linguistics", None, "conference", 1, "ai"),
    ("S4306419272", "International Conference on Computer Vision", None, "conference", 0, "ai"),
    ("S4306418959", "International Conference on Robotics and Automation", None, "conference", 1, "ai"),
    ("S4306420187", "Knowledge Discovery and Data Mining", None, "conference", 1, "ai"),
    ("S4306418316", "International Conference on Acoustics, Speech, and Signal Processing", None, "conference", -1, "ai"),
    ("S106296714", "Lecture Notes in Computer Science", "0302-9743", "book series", 0, "ai"),
    ("S4306419887", "Medical Image Computing and Computer-Assisted Intervention", None, "conference", 0, "lifesci"),
    ("S4306418880", "Annual International Conference of the IEEE Engineering in Medicine and Biology Society",
     "1557-170X", "conference", 0, "lifesci"),
    ("S4306420425", "IEEE International Conference on Bioinformatics and Biomedicine", None, "conference", -1, "lifesci"),
    ("S95464858", "Medical Image Analysis", "1361-8415", "journal", 1, "lifesci"),
    ("S58069681", "IEEE Transactions on Medical Imaging", "0278-0062", "journal", 0, "lifesci"),
    ("S52395412", "Bioinformatics", "1367-4803", "journal", 1, "lifesci"),
    ("S202381699", "PLOS ONE", "1932-6203", "journal", 0, "lifesci"),
    ("S196734849", "Scientific Reports", "2045-2322", "journal", -1, "lifesci"),
    ("S19017023", "IEEE Transactions on Communications", "0090-6778", "journal", 0, "other"),
    ("S4306420401", "IEEE International Conference on Communications", None, "conference", -1, "other"),
    ("S156274416", "Physical Review B", "2469-9950", "journal", 1, "other"),
    ("S2764586924", "Journal of Computational Physics", "0021-9991", "journal", 0, "other"),
    ("S23254222", "Journal of Econometrics", "0304-4076", "journal", 1, "other"),
]
ISSN_PRINT = {"0162-8828": ["0162-8828", "1939-3539", "2160-9292"], "2162-237X": ["2162-237X", "2162-2388"]}

AI_KEYWORDS = [
    "neural network", "machine learning", "deep learning", "support vector machine", "reinforcement learning",
    "convolutional neural network", "artificial intelligence", "random forest", "natural language processing",
    "computer vision", "pattern recognition", "transfer learning", "genetic algorithm", "fuzzy logic",
    "recurrent neural network", "feature selection", "semi-supervised learning", "bayesian network",
]
AI_TASKS = ["image classification", "object detection", "speech recognition", "machine translation",
            "sentiment analysis", "robot navigation", "anomaly detection", "recommendation", "face recognition",
            "text categorization", "time series forecasting", "clustering"]
LIFESCI_TASKS = ["tumor segmentation", "protein structure prediction", "drug target interaction", "EEG decoding",
                 "diabetic retinopathy screening", "gene expression analysis", "cognitive load estimation",
                 "molecular property prediction", "skin lesion classification", "sepsis prediction"]
NONAI_TASKS = ["wireless scheduling", "cache coherence", "query optimization", "finite element simulation",
               "thin film growth", "software testing", "network routing", "labour market dynamics",
               "energy-efficient computing", "error-correcting codes"]
NONAI_METHODS = ["a linear programming formulation", "a new protocol", "an analytical model", "a Monte Carlo method",
                 "a compiler pass", "a distributed algorithm", "an empirical survey", "a finite difference scheme"]
ADJ = ["novel", "robust", "efficient", "scalable", "improved", "unified", "lightweight", "adaptive", "hierarchical"]
SENT = [
    "We propose {adj} {method} for {task}.",
    "Experiments on {n} benchmark datasets show that the approach outperforms the state of the art.",
    "The results demonstrate {adj} performance with lower computational cost.",
    "We analyse the convergence of the method and report extensive experiments.",
    "Our findings suggest that {task} benefits from {method}.",
    "This paper studies {task} in realistic settings.",
    "A comparison with {n} baselines confirms the effectiveness of the proposed approach.",
]
TITLE = [
    "{Adj} {method} for {task}",
    "{Task} with {method}",
    "On {task}: {adj} {method}",
    "Towards {adj} {task} using {method}",
    "A {adj} approach to {task}",
]
AI_METHODS_PLAIN = ["a graph-based model", "an ensemble method", "a probabilistic framework", "a kernel method",
                    "an attention mechanism", "a decision tree model", "a statistical learning approach"]

# Author names by naming region
NAMES = {
    "zh": (["Wei", "Jing", "Li", "Min", "Hao", "Yan", "Jun", "Xin", "Lei", "Yu", "Tao", "Ying", "Bo", "Fang", "Qiang"],
           ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
            "Hu", "Guo", "Lin", "He", "Gao", "Luo"]),
    "ja": (["Hiroshi", "Takashi", "Yuki", "Kenji", "Akira", "Naoko", "Satoshi", "Keiko", "Daisuke", "Haruka"],
           ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"]),
    "ko": (["Min-jun", "Seo-yeon", "Ji-hoon", "Hyun-woo", "Ji-won", "Sung-min"],
           ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"]),
    "in": (["Rahul", "Priya", "Amit", "Anjali", "Sanjay", "Deepa", "Vikram", "Kavita", "Arjun", "Sneha"],
           ["Sharma", "Gupta", "Singh", "Kumar", "Patel", "Reddy", "Iyer", "Das", "Rao", "Mehta"]),
    "en": (["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah",
            "Daniel", "Emily", "Thomas", "Laura", "Andrew"],
           ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark",
            "Moore", "White", "Harris", "Martin", "Thompson"]),
    "eu": (["Marco", "Anna", "Pierre", "Sophie", "Jan", "Eva", "Luca", "Marie", "Javier", "Elena", "Lars", "Ingrid",
            "Tomasz", "Katarzyna", "Dmitri", "Olga"],
           ["Rossi", "Müller", "Dubois", "García", "Jansen", "Nowak", "Schmidt", "Bernard", "Fernández", "Lindqvist",
            "Ivanov", "Novák", "Peeters", "Ferrari", "Schneider", "Martínez"]),
    "mid": (["Ali", "Mohammad", "Fatemeh", "Reza", "Zahra", "Omar", "Leila", "Ahmet", "Ayşe", "Yosef", "Noa"],
            ["Hosseini", "Ahmadi", "Yılmaz", "Kaya", "Hassan", "Cohen", "Levi", "Karimi", "Rahimi", "Ibrahim"]),
    "la": (["João", "Maria", "Carlos", "Ana", "Luis", "Fernanda", "Diego", "Camila"],
           ["Silva", "Santos", "Oliveira", "Souza", "Rodríguez", "Hernández", "López", "Pereira"]),
    "sea": (["Budi", "Siti", "Ahmad", "Nur", "Hoang", "Thanh", "Somchai", "Arif"],
            ["Santoso", "Wijaya", "Abdullah", "Rahman", "Nguyen", "Tran", "Lim", "Tan"]),
}
NAME_REGION = {
    "CN": "zh", "TW": "zh", "HK": "zh", "SG": "zh", "JP": "ja", "KR": "ko", "IN": "in", "PK": "in", "BD": "in",
    "US": "en", "GB": "en", "CA": "en", "AU": "en", "NZ": "en", "IE": "en", "IR": "mid", "TR": "mid", "IL": "mid",
    "SA": "mid", "EG": "mid", "AE": "mid", "TN": "mid", "BR": "la", "MX": "la", "AR": "la", "CL": "la", "CO": "la",
    "ID": "sea", "MY": "sea", "VN": "sea", "TH": "sea", "NG": "en", "ZA": "en",
}

DEPARTMENTS = ["Department of Computer Science", "School of Computer Science and Engineering",
               "Department of Electrical Engineering", "Institute of Automation", "Department of Statistics",
               "School of Information Science", "Department of Biomedical Engineering", "Laboratory of Intelligent Systems"]
