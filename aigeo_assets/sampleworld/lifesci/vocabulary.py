"""The life-science part's words (Schmallenbach et al. 2024): AI terms, clinical markers, conditions, MeSH
and publication types, affiliation pieces (departments, country spellings, postcodes, e-mail domains), journal
categories and name patterns, the named journals, and the small text helpers that turn them into PubMed strings
(XML escaping, initials, NLM titles and ISO abbreviations, ISSN check digits)."""

from __future__ import annotations

import functools
import re
import unicodedata

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------
AI_TERMS = ("machine learning", "deep learning", "neural network", "convolutional neural network", "random forest",
            "support vector machine", "artificial intelligence", "natural language processing")
AI_TERM_WEIGHT = {"machine learning": 0.25, "deep learning": 0.22, "neural network": 0.10,
                  "convolutional neural network": 0.10, "random forest": 0.08, "support vector machine": 0.08,
                  "artificial intelligence": 0.12, "natural language processing": 0.05}
# title noun (capitalised), title lower-case noun, modifier (before "model"), abstract noun phrases
TERM_FORMS = {
    "machine learning": (("Machine learning", "Machine-learning"), ("machine learning", "machine-learning classifiers"),
                         ("machine learning", "machine-learning"),
                         ("a machine learning model", "machine-learning algorithms", "several machine learning classifiers",
                          "a machine learning approach")),
    "deep learning": (("Deep learning", "Deep-learning"), ("deep learning", "deep-learning models"),
                      ("deep learning", "deep-learning"),
                      ("a deep learning model", "a deep-learning framework", "deep learning models")),
    # "neural network" alone is a weak keyword (also the brain's): the standalone forms say "deep"
    "neural network": (("Deep neural network", "Artificial neural network"), ("deep neural networks", "an artificial neural network"),
                       ("neural network", "neural-network"),
                       ("an artificial neural network", "artificial neural networks (ANNs)", "a feed-forward neural network")),
    "convolutional neural network": (("Convolutional neural network",), ("convolutional neural networks",
                                                                         "a convolutional neural network"),
                                     ("convolutional neural network",),
                                     ("a convolutional neural network (CNN)", "convolutional neural networks (CNNs)",
                                      "a three-dimensional convolutional neural network")),
    "random forest": (("Random forest",), ("random forests", "a random forest classifier"), ("random forest", "random-forest"),
                      ("a random forest classifier", "random forests", "a random-forest model")),
    "support vector machine": (("Support vector machine",), ("support vector machines", "a support vector machine"),
                               ("support vector machine", "support-vector machine"),
                               ("a support vector machine (SVM)", "support vector machines",
                                "a support-vector machine classifier")),
    "artificial intelligence": (("Artificial intelligence",), ("artificial intelligence",),
                                ("artificial intelligence",),
                                ("an artificial intelligence (AI) system", "artificial intelligence",
                                 "an artificial intelligence algorithm")),
    "natural language processing": (("Natural language processing",), ("natural language processing",),
                                    ("natural language processing", "natural-language processing"),
                                    ("natural language processing (NLP)", "a natural-language processing pipeline",
                                     "natural language processing")),
}
AI_MESH = {"machine learning": ("Machine Learning", "D000069550"), "deep learning": ("Deep Learning", "D000077321"),
            "neural network": ("Neural Networks, Computer", "D016571"),
            "convolutional neural network": ("Neural Networks, Computer", "D016571"),
            "random forest": ("Machine Learning", "D000069550"),
            "support vector machine": ("Support Vector Machine", "D060388"),
            "artificial intelligence": ("Artificial Intelligence", "D001185"),
            "natural language processing": ("Natural Language Processing", "D009323")}
# Texts of non-AI records never match this (a broad AI vocabulary, case-insensitive).
NONAI_FORBIDDEN = re.compile(
    r"learning|neural|network|intelligen|machine|classif|predict|algorithm|automat|computer|random forest|"
    r"support vector|language processing|\bAI\b|\bCNNs?\b|\bSVMs?\b|\bNLP\b", re.I)
# Haynes-style clinical markers in title/abstract; non-clinical records never match.
CLINICAL_PATTERN = re.compile(r"randomi[sz]ed|randomly|placebo|\btrials?\b|sensitiv|specificity|diagnos", re.I)
CLINICAL_PUBTYPES = {"Randomized Controlled Trial": "D016449", "Clinical Trial": "D016430"}

CONDITIONS = [  # (name, MeSH descriptor, UI, data)
    ("breast cancer", "Breast Neoplasms", "D001943", "mammograms"),
    ("lung cancer", "Lung Neoplasms", "D008175", "computed tomography scans"),
    ("diabetic retinopathy", "Diabetic Retinopathy", "D003930", "fundus photographs"),
    ("Alzheimer's disease", "Alzheimer Disease", "D000544", "magnetic resonance images"),
    ("sepsis", "Sepsis", "D018805", "electronic health records"),
    ("heart failure", "Heart Failure", "D006333", "electrocardiograms"),
    ("atrial fibrillation", "Atrial Fibrillation", "D001281", "electrocardiograms"),
    ("glioblastoma", "Glioblastoma", "D005909", "histopathology slides"),
    ("skin cancer", "Skin Neoplasms", "D012878", "dermoscopic images"),
    ("prostate cancer", "Prostatic Neoplasms", "D011471", "biopsy specimens"),
    ("colorectal cancer", "Colorectal Neoplasms", "D015179", "colonoscopy videos"),
    ("stroke", "Stroke", "D020521", "brain imaging studies"),
    ("chronic kidney disease", "Renal Insufficiency, Chronic", "D051436", "laboratory records"),
    ("type 2 diabetes", "Diabetes Mellitus, Type 2", "D003924", "clinical records"),
    ("tuberculosis", "Tuberculosis", "D014376", "chest radiographs"),
    ("hepatocellular carcinoma", "Carcinoma, Hepatocellular", "D006528", "contrast-enhanced images"),
    ("major depressive disorder", "Depressive Disorder, Major", "D003865", "clinical notes"),
    ("asthma", "Asthma", "D001249", "spirometry records"),
]
AIMS = ["detection", "segmentation", "risk stratification", "outcome prediction", "subtype classification",
        "early identification", "grading", "severity assessment", "screening", "prognostication"]
POPULATIONS = ["adults", "older adults", "children", "hospitalised patients", "intensive care patients",
               "primary care patients", "a multi-ethnic cohort"]
EXPOSURES = ["smoking", "obesity", "physical activity", "air pollution", "shift work", "vitamin D deficiency",
             "hypertension", "alcohol consumption", "short sleep duration", "dietary fibre intake"]
INTERVENTIONS = ["metformin", "statin therapy", "early mobilisation", "cognitive behavioural therapy", "aspirin",
                 "high-dose vitamin D", "a structured exercise programme", "telemonitoring", "bariatric surgery",
                 "corticosteroids"]
MARKERS = ["C-reactive protein", "HbA1c", "interleukin-6", "serum albumin", "NT-proBNP", "lactate", "troponin", "eGFR"]
GENES = ["TP53", "BRCA1", "EGFR", "KRAS", "APOE", "IL6", "VEGFA", "PD-L1", "MYC", "HER2"]
DIAG_TESTS = ["point-of-care ultrasound", "high-sensitivity troponin", "low-dose computed tomography",
              "a rapid antigen test", "faecal immunochemical testing", "magnetic resonance imaging"]
DESIGNS = [("retrospective cohort", "Retrospective Studies", "D012189"), ("population-based cohort", "Cohort Studies", "D015331"),
           ("cross-sectional", "Cross-Sectional Studies", "D003430"), ("case-control", "Case-Control Studies", "D016022"),
           ("prospective cohort", "Prospective Studies", "D011446"), ("registry-based", "Registries", "D012042")]
MESH_HUMANS = ("Humans", "D006801")
MESH_DEMO = [("Female", "D005260"), ("Male", "D008297"), ("Middle Aged", "D008875"), ("Aged", "D000368"),
             ("Adult", "D000328")]
MESH_SENS = ("Sensitivity and Specificity", "D012680")
MESH_ALGO = ("Algorithms", "D000465")
MESH_ANIMAL = [("Animals", "D000818"), ("Mice", "D051379")]
PT_JOURNAL = ("Journal Article", "D016428")
PT_EXTRA = [("Research Support, Non-U.S. Gov't", "D013485", 0.30), ("Comparative Study", "D003160", 0.05),
            ("Multicenter Study", "D016448", 0.04), ("Research Support, N.I.H., Extramural", "D052061", 0.05)]
PT_REVIEW = ("Review", "D016454")
PT_VALIDATION = ("Validation Study", "D023361")

LS_DEPARTMENTS = ["Department of Radiology", "Department of Biomedical Informatics", "Department of Pathology",
                  "Department of Neurology", "School of Public Health", "Department of Ophthalmology",
                  "Department of Biostatistics", "Institute of Bioinformatics", "Department of Cardiology",
                  "Department of Computer Science", "Department of Biomedical Engineering", "Department of Oncology",
                  "Department of Internal Medicine", "Department of Epidemiology", "Division of Gastroenterology",
                  "Department of Psychiatry", "Department of Surgery", "Center for Clinical Data Science"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Affiliation country names (weighted variants); other countries use the GeoNames name.
COUNTRY_VARIANTS: dict[str, tuple[tuple[str, float], ...]] = {
    "US": (("USA", 0.70), ("United States", 0.15), ("United States of America", 0.10), ("U.S.A.", 0.05)),
    "CN": (("China", 0.75), ("P.R. China", 0.12), ("People's Republic of China", 0.08), ("PR China", 0.05)),
    "GB": (("UK", 0.60), ("United Kingdom", 0.35), ("England", 0.05)),
    "KR": (("Republic of Korea", 0.45), ("Korea", 0.35), ("South Korea", 0.20)),
    "TW": (("Taiwan", 0.80), ("Taiwan, ROC", 0.20)),
    "HK": (("Hong Kong", 0.50), ("Hong Kong SAR, China", 0.30), ("Hong Kong, China", 0.20)),
    "NL": (("The Netherlands", 0.60), ("Netherlands", 0.40)),
    "IR": (("Iran", 0.85), ("Islamic Republic of Iran", 0.15)),
    "RU": (("Russia", 0.70), ("Russian Federation", 0.30)),
    "TR": (("Turkey", 0.80), ("Türkiye", 0.20)),
    "CZ": (("Czech Republic", 0.70), ("Czechia", 0.30)),
    "VN": (("Vietnam", 0.80), ("Viet Nam", 0.20)),
    "AE": (("United Arab Emirates", 0.80), ("UAE", 0.20)),
}
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
    "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming"}
CA_PROVINCES = {"01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON", "09": "PE",
                "10": "QC", "11": "SK"}
AU_STATES = {"01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC", "08": "WA"}
ZIP_BEFORE_CITY = {"DE": 5, "FR": 5, "IT": 5, "ES": 5, "FI": 5, "AT": 4, "CH": 4, "BE": 4, "DK": 4, "NO": 4,
                    "HU": 4, "PT": 4, "GR": 5, "SE": 5, "PL": 5, "CZ": 5}
ZIP_AFTER_CITY = {"CN": 6, "IN": 6, "SG": 6, "RU": 6, "KR": 5, "TR": 5, "MX": 5, "TH": 5, "MY": 5, "SA": 5, "EG": 5,
                   "IR": 10, "TW": 3, "PK": 5, "BR": 8, "AR": 4, "CL": 7, "ZA": 4, "NZ": 4, "NG": 6, "TN": 4,
                   "VN": 6, "ID": 5, "BD": 4, "IL": 7, "UA": 5, "RO": 6, "IE": 0, "CO": 6}
EMAIL_TLD = {"US": "edu", "GB": "ac.uk", "CN": "edu.cn", "JP": "ac.jp", "KR": "ac.kr", "AU": "edu.au", "IN": "ac.in",
              "TW": "edu.tw", "HK": "edu.hk", "NZ": "ac.nz", "IL": "ac.il", "ZA": "ac.za", "BR": "usp.br"}

# Journal categories (JCR-like) and the field words of synthetic journal names in them.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("Radiology, Nuclear Medicine & Medical Imaging", ("Radiology", "Medical Imaging", "Nuclear Medicine")),
    ("Medical Informatics", ("Medical Informatics", "Biomedical Informatics", "Digital Health")),
    ("Mathematical & Computational Biology", ("Computational Biology", "Theoretical Biology", "Biostatistics")),
    ("Multidisciplinary Sciences", ("Science", "Natural Sciences", "Research Letters")),
    ("Oncology", ("Oncology", "Cancer Research", "Clinical Oncology")),
    ("Neurosciences", ("Neuroscience", "Neuroimaging", "Brain Research")),
    ("Engineering, Biomedical", ("Biomedical Engineering", "Medical Physics", "Biomechanics")),
    ("Biochemical Research Methods", ("Biochemical Methods", "Proteomics", "Analytical Biochemistry")),
    ("Computer Science, Interdisciplinary Applications", ("Computational Medicine", "Computing in Health",
                                                          "Biomedical Computing")),
    ("Health Care Sciences & Services", ("Health Services Research", "Health Care", "Health Policy")),
    ("Genetics & Heredity", ("Genetics", "Human Genetics", "Genomics")),
    ("Cardiac & Cardiovascular Systems", ("Cardiology", "Cardiovascular Medicine", "Heart Research")),
    ("Ophthalmology", ("Ophthalmology", "Eye Research", "Retina")),
    ("Pathology", ("Pathology", "Histopathology", "Pathology Informatics")),
    ("Biotechnology & Applied Microbiology", ("Biotechnology", "Applied Microbiology", "Bioengineering")),
    ("Clinical Neurology", ("Neurology", "Clinical Neurology", "Epilepsy Research")),
    ("Psychiatry", ("Psychiatry", "Psychiatric Research", "Mental Health")),
    ("Public, Environmental & Occupational Health", ("Public Health", "Epidemiology", "Occupational Health")),
    ("Medicine, General & Internal", ("Medicine", "Internal Medicine", "General Medicine")),
    ("Surgery", ("Surgery", "Surgical Research", "Surgical Oncology")),
    ("Dermatology", ("Dermatology", "Skin Research", "Cutaneous Medicine")),
    ("Gastroenterology & Hepatology", ("Gastroenterology", "Hepatology", "Digestive Diseases")),
    ("Endocrinology & Metabolism", ("Endocrinology", "Diabetes Research", "Metabolism")),
    ("Infectious Diseases", ("Infectious Diseases", "Infection Control", "Tropical Medicine")),
    ("Respiratory System", ("Respiratory Medicine", "Pulmonology", "Chest Medicine")),
    ("Urology & Nephrology", ("Urology", "Nephrology", "Kidney Research")),
    ("Chemistry, Medicinal", ("Medicinal Chemistry", "Drug Design", "Chemical Biology")),
    ("Pharmacology & Pharmacy", ("Pharmacology", "Pharmaceutical Sciences", "Clinical Pharmacology")),
    ("Biology", ("Biology", "Life Sciences", "Biological Sciences")),
    ("Cell Biology", ("Cell Biology", "Molecular Cell Research", "Cellular Biology")),
    ("Immunology", ("Immunology", "Clinical Immunology", "Inflammation Research")),
    ("Pediatrics", ("Pediatrics", "Child Health", "Neonatology")),
    ("Obstetrics & Gynecology", ("Obstetrics and Gynecology", "Reproductive Medicine", "Maternal Health")),
    ("Orthopedics", ("Orthopaedics", "Bone and Joint Research", "Spine Research")),
    ("Dentistry, Oral Surgery & Medicine", ("Dentistry", "Oral Medicine", "Dental Research")),
    ("Psychology, Experimental", ("Experimental Psychology", "Cognitive Science", "Behavioral Research")),
    ("Emergency Medicine", ("Emergency Medicine", "Acute Care", "Prehospital Care")),
    ("Critical Care Medicine", ("Critical Care", "Intensive Care Medicine", "Anesthesia Research")),
    ("Nursing", ("Nursing", "Advanced Nursing", "Nursing Research")),
    ("Rehabilitation", ("Rehabilitation", "Physical Therapy", "Rehabilitation Research")),
]
CS_AI_CATEGORY = "Computer Science, Artificial Intelligence"
JOURNAL_PATTERNS = ["Journal of {f}", "International Journal of {f}", "European Journal of {f}",
                     "American Journal of {f}", "Annals of {f}", "Frontiers in {f}", "BMC {f}", "{f} Reports",
                     "Advances in {f}", "Journal of Translational {f}", "Asian Journal of {f}", "Archives of {f}",
                     "{f} Open", "Current {f}", "Reviews in {f}", "Scandinavian Journal of {f}", "Journal of Clinical {f}",
                     "{f} Letters", "Research in {f}", "Seminars in {f}"]
_ABBREV = {
    "Journal": "J", "International": "Int", "European": "Eur", "American": "Am", "Annals": "Ann", "Frontiers": "Front",
    "Computational": "Comput", "Medical": "Med", "Medicine": "Med", "Biomedical": "Biomed", "Biology": "Biol",
    "Biological": "Biol", "Clinical": "Clin", "Oncology": "Oncol", "Radiology": "Radiol", "Informatics": "Inform",
    "Digital": "Digit", "Research": "Res", "Reports": "Rep", "Letters": "Lett", "Neuroscience": "Neurosci",
    "Neurology": "Neurol", "Cardiology": "Cardiol", "Genetics": "Genet", "Pathology": "Pathol",
    "Ophthalmology": "Ophthalmol", "Engineering": "Eng", "Sciences": "Sci", "Science": "Sci", "Methods": "Methods",
    "Translational": "Transl", "Molecular": "Mol", "Cellular": "Cell", "Surgery": "Surg", "Surgical": "Surg",
    "Dermatology": "Dermatol", "Gastroenterology": "Gastroenterol", "Hepatology": "Hepatol",
    "Endocrinology": "Endocrinol", "Metabolism": "Metab", "Infectious": "Infect", "Diseases": "Dis",
    "Respiratory": "Respir", "Urology": "Urol", "Nephrology": "Nephrol", "Pharmacology": "Pharmacol",
    "Pharmaceutical": "Pharm", "Chemistry": "Chem", "Chemical": "Chem", "Immunology": "Immunol",
    "Pediatrics": "Pediatr", "Obstetrics": "Obstet", "Gynecology": "Gynecol", "Orthopaedics": "Orthop",
    "Dental": "Dent", "Psychology": "Psychol", "Experimental": "Exp", "Emergency": "Emerg", "Critical": "Crit",
    "Nursing": "Nurs", "Rehabilitation": "Rehabil", "Epidemiology": "Epidemiol", "Biostatistics": "Biostat",
    "Physics": "Phys", "Nuclear": "Nucl", "Advances": "Adv", "Reviews": "Rev", "Therapy": "Ther",
    "Biotechnology": "Biotechnol", "Microbiology": "Microbiol", "Applied": "Appl", "Analytical": "Anal",
    "Biochemistry": "Biochem", "Biochemical": "Biochem", "Cognitive": "Cogn", "Behavioral": "Behav",
    "Psychiatry": "Psychiatry", "Psychiatric": "Psychiatr", "Occupational": "Occup", "Cardiovascular": "Cardiovasc",
    "Theoretical": "Theor", "Natural": "Nat", "Computing": "Comput", "Scandinavian": "Scand", "Seminars": "Semin",
    "Archives": "Arch", "Current": "Curr", "Asian": "Asian", "Intensive": "Intensive", "Anesthesia": "Anesth",
    "Reproductive": "Reprod", "Maternal": "Matern", "Neonatology": "Neonatology", "Prehospital": "Prehosp",
    "Infection": "Infect", "Tropical": "Trop", "Inflammation": "Inflamm", "Proteomics": "Proteomics",
    "Histopathology": "Histopathology", "Bioengineering": "Bioeng", "Biomechanics": "Biomech",
    "Neuroimaging": "Neuroimaging", "Cutaneous": "Cutan", "Digestive": "Dig", "Pulmonology": "Pulmonol",
    "Policy": "Policy", "Services": "Serv", "Health": "Health", "Genomics": "Genomics", "Eye": "Eye",
    "Heart": "Heart", "Brain": "Brain", "Cancer": "Cancer", "Drug": "Drug", "Design": "Des", "Kidney": "Kidney",
    "Human": "Hum", "General": "Gen", "Internal": "Intern", "Public": "Public", "Epilepsy": "Epilepsy",
    "Mental": "Ment", "Oral": "Oral", "Bone": "Bone", "Joint": "Joint", "Spine": "Spine", "Child": "Child",
    "Acute": "Acute", "Care": "Care", "Physical": "Phys", "Advanced": "Adv", "Open": "Open", "Skin": "Skin",
    "Retina": "Retina", "Imaging": "Imaging", "Life": "Life", "Cell": "Cell", "Control": "Control",
}
_STOP = {"of", "in", "and", "the", "for", "&"}
# Named life-science journals of the OpenAlex vocabulary: issn_l -> PubMed title, ISO, type, quality, size, categories
NAMED_JOURNALS = {
    "1361-8415": ("Medical image analysis", "Med Image Anal", "Print", 2.0, 1.5,
                  ("Radiology, Nuclear Medicine & Medical Imaging", "Engineering, Biomedical",
                   "Computer Science, Interdisciplinary Applications")),
    "0278-0062": ("IEEE transactions on medical imaging", "IEEE Trans Med Imaging", "Print", 1.8, 1.5,
                  ("Radiology, Nuclear Medicine & Medical Imaging", "Engineering, Biomedical")),
    "1367-4803": ("Bioinformatics (Oxford, England)", "Bioinformatics", "Print", 1.3, 2.0,
                  ("Mathematical & Computational Biology", "Biochemical Research Methods")),
    "1932-6203": ("PloS one", "PLoS One", "Electronic", -0.3, 8.0, ("Multidisciplinary Sciences",)),
    "2045-2322": ("Scientific reports", "Sci Rep", "Electronic", 0.2, 6.0, ("Multidisciplinary Sciences",)),
}


# ---------------------------------------------------------------------------------------------
def issn_with_check_digit(num7: int) -> str:
    digits = f"{num7:07d}"
    s = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1)))
    c = (11 - s % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if c == 10 else c}"


def xml_escape(s: str) -> str:
    if "&" not in s and "<" not in s and ">" not in s:
        return s
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=4096)
def name_initials(fore: str) -> str:
    return "".join(p[0] for p in fore.replace("-", " ").split())


@functools.lru_cache(maxsize=65536)
def ascii_fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace(" ", "").replace("'", "")


def with_article(s: str) -> str:
    return ("an " if s[:1].lower() in "aeiou" else "a ") + s


def capitalise(s: str) -> str:
    return s[:1].upper() + s[1:]


def iso_abbreviation(name: str) -> str:
    out = []
    for w in name.replace(",", "").split():
        if w.lower() in _STOP:
            continue
        out.append(_ABBREV.get(w, w))
    return " ".join(out)


def nlm_title(name: str) -> str:
    words = name.split()
    return " ".join([words[0]] + [w if (w.isupper() and len(w) > 1) else w.lower() for w in words[1:]])
