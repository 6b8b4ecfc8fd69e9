"""Words and templates for the generated data set.

Everything here was written for the generator. Condition names are built from
parts, so a name may happen to match a real condition, but no generated
sentence is medical information: condition summaries and reviewer profiles say
so. "{name}" in a template is replaced by the condition's name; it never occurs
in a heading, so rendered HTML can be made once per template and reused.
"""

NAME = "{name}"


def _words(block: str) -> list[str]:
    return block.split()


# --- People -------------------------------------------------------------------

FIRST_NAMES = _words(
    """
Amara Ben Chiara Dmitri Elena Farah Gabriel Hana Ibrahim Jonas Keiko Luca Maya
Nadia Oscar Priya Quentin Rosa Samir Tomas Uma Viktor Wen Ximena Yusuf Zofia
Aisha Bruno Carmen Daniel Esther Felix Greta Hugo Ines Jamal Kasia Leon Marta
Nikhil Olga Pablo Rania Stefan Tara Usha Vera William Yara Zane Alice Caleb
Delia Emil Fiona Goran Helen Ivan Julia Kofi Lena Mateo Nora Omar Paula Ruth
Sven Thea Victor Wanda Yuki Adele Bianca Cyrus Dora Elias Flora Grace Henrik
"""
)

SURNAMES = _words(
    """
Okafor Lindqvist Haddad Moreau Nakamura Petrov Quinlan Rasmussen Sato Brandt
Castellano Dalton Eriksen Fenwick Galloway Ibarra Jansen Kowalski Lindgren
Mbeki Novak Oyelaran Pereira Rahman Schneider Tanaka Ueda Valdez Whitfield Yilmaz
Zimmer Abernathy Bauer Carrow Delacroix Engel Fairbanks Gallagher Holm Iversen
Jaramillo Kessler Larsen Mendes Nilsen Ortega Pacheco Reyes Salazar Thorsen
Ulrich Vogel Wexler Amari Bellamy Cordova Drummond Ekwueme Farrow Greaves
Hollis Imai Jovanovic Kirby Lucero Marchetti Nyberg Osei Pryce Rutherford
Solberg Takeda Underhill Varga Winslow Achebe Bergström Cavanagh Duarte Elsner
Fontaine Grünewald Halvorsen Ishikawa Kagame Lefèvre Mwangi Nordin Ostrowski
Paquette Rivera Sandoval Tremblay Uzoma Villanueva Wójcik Aldana Brennan Costa
Dubois Esposito Ferreira Gomez Hartmann Ivanova Jensen Kaur Lambert Meyer Nunez
"""
)

SPECIALTIES = [
    "Neurology",
    "Haematology",
    "Clinical genetics",
    "Paediatrics",
    "Rheumatology",
    "Nephrology",
    "Cardiology",
    "Dermatology",
    "Endocrinology",
    "Immunology",
    "Gastroenterology",
    "Respiratory medicine",
    "Ophthalmology",
    "Metabolic medicine",
]
CREDENTIALS = [
    "MD",
    "MD, PhD",
    "MBBS, FRCP",
    "MBChB, MRCP",
    "MBChB, FRCP, PhD",
    "DO",
    "MD, MSc",
    "MBBS, FRACP",
    "MD, FRCPC",
    "MBBS, MRCPCH",
]
AFFILIATIONS = [
    "Northbridge University Hospital",
    "St Aldric's Hospital",
    "Westmere Children's Hospital",
    "Lakeside Rare Disease Centre",
    "Harbourview Medical School",
    "Eastfield Clinical Research Institute",
    "Riverside General Hospital",
    "Kingsgate Genetics Service",
]
REGISTRATION_BODIES = ["Example Medical Council", "Example Board of Medicine"]
DISCLOSURES = [
    "",
    "",
    "",
    "Has received speaker fees from a pharmaceutical company for education on "
    "rare diseases (2025).",
    "Sits on the advisory board of a patient organisation (unpaid).",
    "Is an investigator in an industry-funded clinical trial; the fees go to "
    "the hospital.",
]
REVIEWER_BIO = (
    "Consultant in {specialty} with a clinic for people with rare conditions. "
    "(A fictional reviewer in a generated test data set.)"
)

PSEUDONYM_WORDS = _words(
    """
Fern River Maple Otter Robin Willow Harbor Cedar Sparrow Pebble Meadow Lantern
Juniper Heron Clover Birch Comet Ember Finch Hazel Ivy Kestrel Lark Moss Orchid
Poppy Quill Rowan Sage Thistle Wren Aspen Brook Dune Flint Glade Hollow Marsh
"""
)
PSEUDONYM_ADJECTIVES = _words(
    """
Quiet Sunny Brave Gentle Steady Hopeful Patient Curious Calm Bright Tired Busy
Kind Little Northern Southern Early Late Second Lucky
"""
)
FAMILY_ROLES = ["MumOf", "DadOf", "CarerFor", "SisterOf", "GranOf"]
FAMILY_COUNTS = ["One", "Two", "Three", "Four", "Twins"]

# Countries members give (ISO codes, weights); about one in seven gives none.
COUNTRIES = [
    ("US", 22),
    ("GB", 18),
    ("DE", 7),
    ("FR", 6),
    ("CA", 5),
    ("NL", 4),
    ("AU", 4),
    ("ES", 4),
    ("IT", 4),
    ("IE", 3),
    ("IN", 3),
    ("BE", 2),
    ("SE", 2),
    ("PL", 2),
    ("BR", 2),
    ("NO", 1),
    ("DK", 1),
    ("PT", 1),
    ("ZA", 1),
    ("NZ", 1),
    ("CH", 1),
    ("AT", 1),
    ("FI", 1),
    ("MX", 1),
    ("JP", 1),
    ("", 17),
]

# --- Conditions ---------------------------------------------------------------

# Condition names, other names and codes are real: devdata/dataset/catalogue.py
# reads them from the terminology catalogue. What is generated around them:

# Adjective, the organ a summary names in plain words, the usual specialty
# (devdata.dataset.conditions matches it to GARD's categories).
SITES = [
    ("renal", "kidneys", "Nephrology"),
    ("hepatic", "liver", "Gastroenterology"),
    (
        "cerebellar",
        "cerebellum, the part of the brain that controls balance",
        "Neurology",
    ),
    ("spinal", "spinal cord", "Neurology"),
    ("retinal", "retina at the back of the eye", "Ophthalmology"),
    ("optic", "optic nerve", "Ophthalmology"),
    ("cutaneous", "skin", "Dermatology"),
    ("cardiac", "heart", "Cardiology"),
    ("pulmonary", "lungs", "Respiratory medicine"),
    ("pancreatic", "pancreas", "Gastroenterology"),
    ("intestinal", "gut", "Gastroenterology"),
    ("skeletal", "bones", "Rheumatology"),
    ("adrenal", "adrenal glands", "Endocrinology"),
    ("pituitary", "pituitary gland", "Endocrinology"),
    ("thyroid", "thyroid gland", "Endocrinology"),
    ("muscular", "muscles", "Neurology"),
    ("peripheral nerve", "nerves of the arms and legs", "Neurology"),
    ("vascular", "blood vessels", "Cardiology"),
    ("lymphatic", "lymph vessels", "Immunology"),
    ("mitochondrial", "energy factories inside cells", "Metabolic medicine"),
    ("lysosomal", "recycling system inside cells", "Metabolic medicine"),
    ("platelet", "platelets that help blood clot", "Haematology"),
    ("erythroid", "red blood cells", "Haematology"),
    ("marrow", "bone marrow", "Haematology"),
    ("immune", "immune system", "Immunology"),
    ("craniofacial", "bones of the skull and face", "Clinical genetics"),
    ("connective tissue", "tissue that holds the body together", "Rheumatology"),
    ("neuromuscular", "nerves and muscles", "Neurology"),
    ("cochlear", "inner ear", "Paediatrics"),
    ("dental", "teeth", "Clinical genetics"),
]
KINDS = ["condition", "genetic condition", "long-term condition", "disorder"]
ONSETS = [
    "It usually shows itself in early childhood.",
    "Signs often appear in the teenage years.",
    "Most people notice the first signs as adults, often between 30 and 50.",
    "It can start at any age, but most people are diagnosed as children.",
    "Some babies show signs at birth; others only years later.",
]
COURSES = [
    "How it affects a person varies a lot, even within one family.",
    "It tends to change slowly, over years rather than months.",
    "With the right care, many people live full and active lives.",
    "Symptoms can come and go, with good and bad periods.",
]
PREVALENCES = [
    "About {a} in 1,000,000 people",
    "Fewer than 1 in 1,000,000 people; about {b} cases have been described",
    "About {a} in 100,000 people",
    "Unknown; fewer than {b} families have been reported",
    "Estimated at 1 to 9 in 1,000,000 people",
]
SUMMARY = (
    "{name} is a rare {kind} that mainly affects the {organ}. {onset} {course}"
    "\n\nBecause it is rare, many doctors never meet anyone who has it, and "
    "getting a diagnosis can take time. A specialist team that sees it more "
    "often can help. *This condition is part of a generated test data set; "
    "nothing here is medical information.*"
)
INHERITANCE = ["autosomal recessive", "autosomal dominant", "X-linked"]
# A generated criteria set has the first one, two or three of these groups
# (category, count rule), and the rule for that many groups.
CRITERIA_GROUPS = [
    ("Major criteria", "All are required"),
    ("Minor criteria", "At least 2"),
    ("Supporting features", "Not required; each makes the diagnosis more likely"),
]
CRITERIA_RULES = [
    "All of the major criteria are needed for the diagnosis.",
    "All of the major criteria, plus at least 2 of the minor criteria.",
    "All of the major criteria, plus at least 2 of the minor criteria. Supporting "
    "features make the diagnosis more likely but are not needed.",
]
CRITERIA_APPLIES_TO = [
    "Children and adults with suspected {name}",
    "Adults with suspected {name}; not tested in children",
    "Children under 18 with suspected {name}",
]
CRITERIA_ITEMS = [
    "Onset of symptoms before the age of 20",
    "A disease-causing variant in a gene known to cause the condition",
    "Typical findings on an MRI scan of the {organ}",
    "A family history that fits {inheritance} inheritance",
    "Other causes ruled out by blood tests",
    "Symptoms that have slowly progressed over at least six months",
    "Typical changes seen in a tissue sample (biopsy)",
    "Raised levels of a marker substance in blood or urine",
    "Changes in the {organ} seen on an ultrasound scan",
    "A response to treatment that fits the diagnosis",
    "No other condition that explains the symptoms better",
    "Short stature or slow growth in childhood",
]
JOURNALS = [
    "Orphanet J Rare Dis",
    "Eur J Hum Genet",
    "Genet Med",
    "J Inherit Metab Dis",
    "Neurology",
    "Blood",
    "Pediatrics",
    "J Med Genet",
    "Rare Dis Rev",
    "Clin Genet",
]
CRITERIA_SOURCE = (
    "International {name} Consensus Group. Diagnostic criteria for {name}. "
    "{journal}. {year}."
)

# --- Answers ------------------------------------------------------------------

# Each template: slug, question, topic, kind, two short answers (at most 80
# words each, never repeated in the body) and two versions of the opening
# section of the body. A body is one opening section plus shared sections.
QUESTIONS = [
    {
        "slug": "what-is-it",
        "text": "What is {name}?",
        "topic": "about",
        "kind": "explainer",
        "short": [
            "{name} is a rare condition that affects how part of the body grows "
            "or works. It is different for each person. Many people need care "
            "from a specialist team, and most can get help to manage daily life.",
            "{name} is a rare, long-term condition. It changes how part of the "
            "body works, and the signs differ from one person to the next. A team "
            "that knows the condition can help you plan care.",
        ],
        "sections": [
            "## What happens in the body?\n\nIn {name}, a change in how some "
            "cells work means part of the body does not grow or repair itself "
            "as it should. Doctors do not always know why it starts.\n\n"
            "## Who gets it?\n\nIt can affect anyone. Some forms run in "
            "families; others start for no known reason.",
            "## What does the name mean?\n\nThe name describes the part of the "
            "body that is affected and what goes wrong there. Older papers may "
            "use other names for {name}.\n\n## Is it the same for everyone?\n\n"
            "No. Two people with the same diagnosis can have very different "
            "symptoms, even in one family.",
        ],
    },
    {
        "slug": "how-common-is-it",
        "text": "How common is {name}?",
        "topic": "about",
        "kind": "short_answer",
        "short": [
            "{name} is rare. Most family doctors never see a case. Exact numbers "
            "are hard to give, because mild forms are often missed.",
            "Very few people have {name}. Because it is rare and can be mild, "
            "the true number is probably higher than the number diagnosed.",
        ],
        "sections": [
            "## Why are the numbers uncertain?\n\nRare conditions are counted in "
            "registers, and not every country keeps one. People with mild "
            "symptoms may never be tested.",
            "## Is it more common in some groups?\n\nSome genetic conditions are "
            "more common in communities where people often marry relatives. For "
            "{name}, the data are too few to say for sure.",
        ],
    },
    {
        "slug": "is-it-contagious",
        "text": "Is {name} contagious?",
        "topic": "causes",
        "kind": "short_answer",
        "short": [
            "No. {name} is not an infection, so you cannot catch it from anyone "
            "or give it to anyone. Being close to someone who has it is safe.",
            "No, {name} does not spread from person to person. No germ causes it. "
            "Hugs, shared meals and living together are all safe.",
        ],
        "sections": [
            "## Why do people ask?\n\nSome of its signs, such as skin changes or "
            "tiredness, can look like an infection. They are caused by the "
            "condition itself, not by a germ.",
            "## Can it run in a family?\n\nSome forms are inherited. That is "
            "different from being contagious: a gene change can pass from a "
            "parent to a child, but the condition cannot pass between friends.",
        ],
    },
    {
        "slug": "what-causes-it",
        "text": "What causes {name}?",
        "topic": "causes",
        "kind": "short_answer",
        "short": [
            "In most people, {name} is caused by a change in one gene. The change "
            "stops a protein from working as it should. Nothing you did caused it.",
            "Most cases of {name} come from a change in a gene that the body "
            "needs. Sometimes the cause is never found. It is not caused by "
            "anything a person did.",
        ],
        "sections": [
            "## How does a gene change cause symptoms?\n\nGenes are instructions "
            "for making proteins. When one instruction is wrong, a protein may "
            "be missing or not work, and the tissue that needs it suffers.",
            "## Can anything else cause it?\n\nRarely, a similar picture is caused "
            "by an immune reaction or by a medicine. Your doctors will check for "
            "these causes, because some of them can be treated.",
        ],
    },
    {
        "slug": "is-it-inherited",
        "text": "Is {name} inherited?",
        "topic": "causes",
        "kind": "short_answer",
        "short": [
            "Often, yes. {name} can pass from parents to children, but how it "
            "passes depends on the form. A genetic counsellor can explain the "
            "chance for your family.",
            "It can be. Some people inherit {name} from a parent; in others the "
            "gene change happens for the first time. Genetic counselling helps "
            "families understand their own risk.",
        ],
        "sections": [
            "## What does recessive mean?\n\nIn recessive inheritance, a child "
            "is affected only if they get a changed gene from both parents. "
            "Parents who carry one copy are usually well.\n\n## What does "
            "dominant mean?\n\nIn dominant inheritance, one changed copy is "
            "enough. Each child of an affected parent has a one in two chance of "
            "inheriting it.",
            "## Should my relatives be tested?\n\nTesting is a personal choice. "
            "A genetic counsellor can talk it through with you:\n\n- who in the "
            "family could be affected\n- what a result would mean\n- what "
            "testing cannot tell you",
        ],
    },
    {
        "slug": "can-it-be-prevented",
        "text": "Can {name} be prevented?",
        "topic": "causes",
        "kind": "short_answer",
        "short": [
            "There is no known way to prevent {name}. Families with a known gene "
            "change can talk to a genetic service about their options before a "
            "pregnancy.",
            "{name} cannot be prevented at present. Early diagnosis can prevent "
            "some complications, so check-ups matter.",
        ],
        "sections": [
            "## What about complications?\n\nSome problems linked to the "
            "condition can be caught early with regular checks. Ask your team "
            "which checks you need and how often.",
            "## Are there options before pregnancy?\n\nWhere the gene change in "
            "a family is known, some couples choose testing during pregnancy or "
            "before it. A genetic counsellor can explain what is available.",
        ],
    },
    {
        "slug": "what-are-the-symptoms",
        "text": "What are the symptoms of {name}?",
        "topic": "symptoms",
        "kind": "short_answer",
        "short": [
            "The symptoms of {name} depend on which parts of the body are "
            "affected. Common ones are tiredness, pain and changes that slowly "
            "get worse. Not everyone has every symptom.",
            "People with {name} can have a wide mix of symptoms. The most common "
            "are weakness, tiredness and problems in the organ it mainly "
            "affects. They can change over time.",
        ],
        "sections": [
            "## Which symptoms are most common?\n\nMany people notice:\n\n- "
            "tiredness that rest does not fix\n- pain or stiffness\n- problems "
            "that slowly get worse over months or years",
            "## Do symptoms change over time?\n\nThey can. Some people have long "
            "steady periods; others notice new problems as they get older. "
            "Regular reviews help your team keep up.",
        ],
    },
    {
        "slug": "what-are-the-first-signs",
        "text": "What are the first signs of {name}?",
        "topic": "symptoms",
        "kind": "short_answer",
        "short": [
            "The first signs of {name} are often vague: tiredness, slow growth or "
            "a problem that keeps coming back. They are easy to mistake for "
            "something common.",
            "Early signs of {name} vary. Parents often notice a child tiring "
            "quickly or missing milestones. Adults may first notice weakness or "
            "pain.",
        ],
        "sections": [
            "## When should I see a doctor?\n\nSee your doctor if a problem does "
            "not go away, keeps coming back, or gets worse. Mention any family "
            "history of a rare condition.",
            "## Why does diagnosis take so long?\n\nEarly signs are common in "
            "other, more frequent illnesses. It can take several visits before "
            "anyone thinks of a rare cause.",
        ],
    },
    {
        "slug": "does-it-cause-pain",
        "text": "Does {name} cause pain?",
        "topic": "symptoms",
        "kind": "short_answer",
        "short": [
            "Some people with {name} have pain, others very little. Pain can "
            "usually be eased, so tell your team about it rather than putting up "
            "with it.",
            "It can. Pain in {name} varies from mild aches to pain that affects "
            "sleep and work. A pain plan made with your team can help.",
        ],
        "sections": [
            "## What helps with pain?\n\nMany people find a mix works best:\n\n"
            "- medicines taken at regular times\n- gentle movement and "
            "physiotherapy\n- heat, rest and pacing activities",
            "## Who can help?\n\nYour specialist team, your family doctor and "
            "a pain clinic can all help. Keep a diary of when the pain is worse "
            "to bring to appointments.",
        ],
    },
    {
        "slug": "how-does-it-affect-children",
        "text": "How does {name} affect children?",
        "topic": "symptoms",
        "kind": "short_answer",
        "short": [
            "In children, {name} can affect growth, energy and learning. Many "
            "children go to a mainstream school with some support. Needs change "
            "as they grow.",
            "Children with {name} may tire quickly and need more medical checks "
            "than other children. With support at home and at school, most take "
            "part in everyday life.",
        ],
        "sections": [
            "## Will my child need extra support?\n\nSome children need help at "
            "school, such as rest breaks or a plan for missed lessons. Others "
            "need none. Your team can write to the school.",
            "## How do children feel about it?\n\nChildren notice when they are "
            "different. Meeting other families who live with a rare condition "
            "can help them feel less alone.",
        ],
    },
    {
        "slug": "how-is-it-diagnosed",
        "text": "How is {name} diagnosed?",
        "topic": "diagnosis",
        "kind": "explainer",
        "short": [
            "{name} is diagnosed from the symptoms, an examination and tests. A "
            "genetic test often confirms it. A specialist usually makes the "
            "diagnosis.",
            "Doctors diagnose {name} by putting together symptoms, test results "
            "and sometimes a genetic test. Other causes are ruled out first.",
        ],
        "sections": [
            "## Which tests are used?\n\nTests often include:\n\n- blood and "
            "urine tests\n- scans of the affected organ\n- a genetic test",
            "## How long does it take?\n\nSome people are diagnosed in weeks; "
            "others wait years. Asking for a referral to a specialist centre "
            "can speed things up.",
        ],
    },
    {
        "slug": "is-there-a-genetic-test",
        "text": "Is there a genetic test for {name}?",
        "topic": "diagnosis",
        "kind": "short_answer",
        "short": [
            "Often there is. A blood or saliva sample can look for changes in the "
            "genes linked to {name}. A negative result does not always rule it "
            "out.",
            "Yes, for most people a genetic test can confirm {name}. The test "
            "needs a referral, and results can take several weeks.",
        ],
        "sections": [
            "## What can a result mean?\n\nA result can be positive, negative or "
            "uncertain. An uncertain result means a change was found, but it is "
            "not yet known whether it causes disease.",
            "## Who arranges the test?\n\nUsually a clinical genetics service "
            "or a specialist. They will explain the test before you agree to it.",
        ],
    },
    {
        "slug": "which-doctor-treats-it",
        "text": "Which doctor treats {name}?",
        "topic": "diagnosis",
        "kind": "short_answer",
        "short": [
            "A specialist in the organ most affected usually leads care for "
            "{name}, often at a centre for rare conditions. Your family doctor "
            "stays involved.",
            "Care for {name} is usually shared: a specialist team plans it and "
            "your family doctor helps with everyday health.",
        ],
        "sections": [
            "## Why see a specialist centre?\n\nA centre that sees many people "
            "with rare conditions knows what to look for, and may offer research "
            "studies.",
            "## Who else may be in the team?\n\nDepending on your needs, the "
            "team may include:\n\n- a specialist nurse\n- a physiotherapist\n- "
            "a dietitian\n- a psychologist",
        ],
    },
    {
        "slug": "what-can-it-be-mistaken-for",
        "text": "What can {name} be mistaken for?",
        "topic": "diagnosis",
        "kind": "short_answer",
        "short": [
            "{name} can look like more common conditions, especially early on. "
            "That is one reason diagnosis can take time.",
            "Early symptoms of {name} overlap with many common illnesses, so it "
            "is sometimes mistaken for them at first.",
        ],
        "sections": [
            "## How do doctors tell them apart?\n\nBy the pattern of symptoms "
            "over time, the family history and specific tests. A second opinion "
            "can help if things do not add up.",
            "## What if I was misdiagnosed?\n\nIt happens often with rare "
            "conditions. Bring earlier results to your new team, so tests are "
            "not repeated without need.",
        ],
    },
    {
        "slug": "how-is-it-treated",
        "text": "How is {name} treated?",
        "topic": "treatment",
        "kind": "explainer",
        "short": [
            "Treatment for {name} aims to ease symptoms and prevent "
            "complications. It is planned by a specialist team and changes as "
            "needs change.",
            "There are treatments that help with the symptoms of {name}. Care is "
            "tailored to each person and reviewed regularly.",
        ],
        "sections": [
            "## What does treatment include?\n\nTreatment may include:\n\n- "
            "medicines for specific symptoms\n- physiotherapy and exercise "
            "advice\n- regular checks to catch problems early",
            "## Are new treatments coming?\n\nResearch into rare conditions is "
            "growing. Ask your team whether any new treatment or study could "
            "suit you.",
        ],
    },
    {
        "slug": "can-it-be-cured",
        "text": "Can {name} be cured?",
        "topic": "treatment",
        "kind": "short_answer",
        "short": [
            "There is no cure for {name} yet. Treatment can often control "
            "symptoms well, and research is ongoing.",
            "Not at present. {name} is a long-term condition, but much can be "
            "done to keep symptoms under control.",
        ],
        "sections": [
            "## What about gene therapy?\n\nGene therapies are being studied for "
            "some rare genetic conditions. They are not yet a routine treatment.",
            "## What can treatment achieve?\n\nGood care can reduce symptoms, "
            "prevent some complications and help people keep doing the things "
            "that matter to them.",
        ],
    },
    {
        "slug": "are-there-clinical-trials",
        "text": "Are there clinical trials for {name}?",
        "topic": "treatment",
        "kind": "short_answer",
        "short": [
            "Sometimes. Trials for rare conditions are few and may be far away. "
            "Your specialist can tell you about studies for {name}.",
            "There may be. Registries list trials that are recruiting, and "
            "patient groups for {name} often share news of studies.",
        ],
        "sections": [
            "## How do I find a trial?\n\nAsk your specialist, search public "
            "trial registries and sign up to a patient registry if one exists.",
            "## Is taking part safe?\n\nTrials are checked by ethics committees, "
            "and you can leave at any time. Ask what taking part would involve "
            "before you agree.",
        ],
    },
    {
        "slug": "what-are-the-side-effects-of-treatment",
        "text": "What side effects can treatment for {name} have?",
        "topic": "treatment",
        "kind": "short_answer",
        "short": [
            "Side effects depend on the treatment. Many are mild and pass. Tell "
            "your team about any new problem, because doses can often be changed.",
            "Most treatments for {name} have some side effects, usually mild. "
            "Your team will weigh them against the benefits with you.",
        ],
        "sections": [
            "## Which side effects are common?\n\nCommon ones include:\n\n- "
            "tiredness\n- upset stomach\n- headaches",
            "## When should I get help quickly?\n\nGet help at once for a high "
            "fever, a rash that spreads, or trouble breathing. Keep your team's "
            "contact details to hand.",
        ],
    },
    {
        "slug": "can-i-work",
        "text": "Can I work with {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "Many people with {name} work. Some need changes at work, such as "
            "flexible hours or more breaks. Employers often have to make "
            "reasonable changes.",
            "Yes, many people with {name} keep working, sometimes with changes "
            "to their hours or tasks. Talk to your employer about what helps.",
        ],
        "sections": [
            "## Do I have to tell my employer?\n\nThat is usually your choice. "
            "Telling them can make it easier to ask for the changes you need.",
            "## What changes can help?\n\nHelpful changes include:\n\n- "
            "flexible or shorter hours\n- working from home some days\n- time "
            "off for appointments",
        ],
    },
    {
        "slug": "is-exercise-safe",
        "text": "Is exercise safe with {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "For most people with {name}, regular gentle exercise is safe and "
            "helps. Ask your team which activities suit you.",
            "Usually, yes. Staying active helps strength and mood. People with "
            "{name} may need to avoid some activities, so check first.",
        ],
        "sections": [
            "## How much is enough?\n\nStart low and build up slowly. Stop if "
            "you feel unwell, and rest on bad days.",
            "## Who can plan exercise with me?\n\nA physiotherapist can plan "
            "exercise around your symptoms and check your progress.",
        ],
    },
    {
        "slug": "does-diet-help",
        "text": "Does diet help with {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "A balanced diet supports general health. For most people with "
            "{name} no special diet is needed, unless your team advises one.",
            "No diet cures {name}. Eating well helps energy and healing, and a "
            "dietitian can help if eating is hard.",
        ],
        "sections": [
            "## Should I take supplements?\n\nOnly if your team suggests them. "
            "Some supplements interact with medicines.",
            "## What if I lose weight?\n\nTell your team if you lose weight "
            "without trying. A dietitian can suggest ways to get more energy "
            "from food.",
        ],
    },
    {
        "slug": "is-pregnancy-safe",
        "text": "Is pregnancy safe with {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "Many people with {name} have healthy pregnancies. Planning ahead "
            "with your specialist team makes it safer for you and the baby.",
            "Pregnancy is often possible with {name}, but it needs planning. "
            "Some medicines must be changed before trying for a baby.",
        ],
        "sections": [
            "## What should I plan?\n\nBefore trying for a baby, talk to your "
            "team about:\n\n- your medicines\n- extra checks during pregnancy\n"
            "- the chance of passing the condition on",
            "## Will I be seen more often?\n\nProbably. Extra checks help catch "
            "problems early. Your specialist and maternity team will work "
            "together.",
        ],
    },
    {
        "slug": "can-i-travel",
        "text": "Can I travel with {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "Yes, most people with {name} can travel. Plan ahead: carry your "
            "medicines and a letter about your condition.",
            "Travel is usually possible with {name}. Good planning and travel "
            "insurance that covers your condition make it easier.",
        ],
        "sections": [
            "## What should I take?\n\nPack:\n\n- enough medicine for the trip "
            "and a few days more\n- a letter from your doctor\n- contact details "
            "for your team",
            "## Is flying safe?\n\nFor most people, yes. Ask your team if you "
            "have heart or lung problems.",
        ],
    },
    {
        "slug": "how-can-school-help",
        "text": "How can school support a child with {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "Schools can help with a care plan, rest breaks and catch-up work "
            "after absences. Share information about {name} with the school.",
            "A written plan agreed with the school helps a child with {name} "
            "take part fully. Review it each year.",
        ],
        "sections": [
            "## What should the plan include?\n\nA good plan covers:\n\n- "
            "medicines during the school day\n- what to do in an emergency\n- "
            "support for missed lessons",
            "## Who writes the plan?\n\nParents, the school and the child's "
            "care team write it together.",
        ],
    },
    {
        "slug": "where-can-i-find-support",
        "text": "Where can I find support for {name}?",
        "topic": "living",
        "kind": "short_answer",
        "short": [
            "Patient groups, your care team and online communities can all help. "
            "Talking to others who live with {name} is often the biggest help.",
            "Support is available from patient organisations, rare disease "
            "charities and your specialist team.",
        ],
        "sections": [
            "## What can a patient group offer?\n\nPatient groups share "
            "information, connect families and speak up for better care.",
            "## What about my mental health?\n\nLiving with a rare condition can "
            "be hard. Ask your team about counselling or psychology support.",
        ],
    },
    {
        "slug": "what-is-the-outlook",
        "text": "What is the outlook for {name}?",
        "topic": "outlook",
        "kind": "short_answer",
        "short": [
            "The outlook for {name} varies. Many people live into adulthood and "
            "beyond with good care. Your team can tell you what to expect.",
            "It depends on the form and how early care starts. Many people with "
            "{name} lead full lives with regular support.",
        ],
        "sections": [
            "## What affects the outlook?\n\nThe form of the condition, which "
            "organs are involved and how early treatment starts all matter.",
            "## Can the outlook change?\n\nYes. Better care and new treatments "
            "have improved the outlook for many rare conditions.",
        ],
    },
    {
        "slug": "does-it-shorten-life",
        "text": "Does {name} shorten life expectancy?",
        "topic": "outlook",
        "kind": "short_answer",
        "short": [
            "For many people, {name} does not change how long they live. Some "
            "severe forms do. Your specialist can explain your situation.",
            "It depends on the form. Milder forms of {name} often have little "
            "effect on life span; severe forms may shorten it.",
        ],
        "sections": [
            "## Why are figures hard to give?\n\nRare conditions have few "
            "long-term studies, and older figures may not reflect today's care.",
            "## How can I stay as well as possible?\n\nKeep up regular checks, "
            "take medicines as planned and tell your team early about changes.",
        ],
    },
    {
        "slug": "does-it-get-worse",
        "text": "Does {name} get worse over time?",
        "topic": "outlook",
        "kind": "short_answer",
        "short": [
            "{name} often changes slowly. Some people stay stable for years. "
            "Regular reviews help spot changes early.",
            "It can, but slowly for most people. Treatment and regular checks "
            "help to limit how it progresses.",
        ],
        "sections": [
            "## How will I know if it changes?\n\nRegular tests track changes. "
            "Keep a note of new symptoms to discuss at your reviews.",
            "## What can slow it down?\n\nStaying active, treating problems "
            "early and looking after your general health can all help.",
        ],
    },
]

# Sections any answer may end with; each version of a body takes some.
SHARED_SECTIONS = [
    "## Who can I ask?\n\nYour specialist team knows your situation best. Write "
    "down your questions before each appointment.",
    "## Where can I read more?\n\nPatient organisations and rare disease "
    "networks publish plain-language guides. Ask your team which ones they "
    "trust.",
    "## What should I tell my care team?\n\nTell them about:\n\n- new or "
    "changing symptoms\n- side effects of medicines\n- how you are coping",
]
# Indexes into SHARED_SECTIONS for each version of a body's ending.
ENDINGS = [(), (0,), (1,), (0, 2), (2,), (1, 2)]
CRITERIA_LEAD = (
    "\n\n## Which criteria do specialists use?\n\nSpecialists use published "
    "criteria, listed below this answer, to decide whether the diagnosis fits."
)

CHANGES_REQUESTED = [
    "Please add a reference for the statement about inheritance.",
    "The short answer is too long; keep it to what the question asks.",
    "Please check the wording of the second section against the latest guideline.",
    "Add a sentence on when to seek urgent help.",
]
EDIT_COMMENTS = ["", "", "", "Updated after the latest guideline", "Clearer wording"]

CITATION_TITLES = [
    "Clinical features and natural history of {name}",
    "Diagnosis and management of {name}: a review",
    "Quality of life in adults with {name}",
    "Genetic basis of {name}: an update",
    "Care recommendations for {name}",
    "{name} in children: a registry study",
]

# --- Experiences ------------------------------------------------------------

EXPERIENCE_OPENINGS = [
    "I was diagnosed three years ago, after almost a decade of being told it "
    "was nothing.",
    "My daughter was diagnosed when she was four. It took two years and five "
    "different specialists.",
    "I care for my husband, who was diagnosed last spring.",
    "When the letter with my genetic test result came, I read it three times "
    "before I understood it.",
    "My brother and I both have {name}, but our days look completely different.",
    "It started with tiredness that never went away, then the pain came.",
    "Our son's diagnosis came after a long stay in hospital as a baby.",
    "I am in my sixties and was only diagnosed this year.",
    "Nobody in our family had heard of {name} before my mum's diagnosis.",
    "I found out I had {name} when my own child was diagnosed.",
    "For years I thought everyone felt this tired.",
    "I was 19 and at university when the first symptoms appeared.",
    "My wife noticed the changes before I did.",
    "We were told at the 20-week scan that something was not right.",
    "Looking back, the signs were there from when I was a child.",
]
EXPERIENCE_MIDDLES = [
    "The hardest part was not the symptoms but not being believed.",
    "Finding a specialist who had seen it before changed everything for us.",
    "Physiotherapy twice a week has kept me walking, even on bad days.",
    "I had to cut my hours at work, and my employer was more understanding "
    "than I expected.",
    "School was difficult at first, but a written care plan helped a lot.",
    "The medicines help, although the side effects took some getting used to.",
    "I keep a diary of symptoms, which makes appointments much more useful.",
    "Some days I can do almost everything; other days getting dressed is a victory.",
    "Meeting another family living with {name} made us feel much less alone.",
    "Travelling is possible, it just needs planning and a letter from the clinic.",
    "We moved closer to the specialist centre, which made the check-ups easier.",
    "Things that helped me:\n\n- pacing my day\n- a good night's sleep routine\n"
    "- asking for help before I needed it",
    "Genetic counselling helped my sisters decide whether to be tested.",
    "Pain is part of most days, but the pain clinic gave me tools that work.",
    "I joined a research study last year, which felt like doing something "
    "useful with all of this.",
]
EXPERIENCE_CLOSINGS = [
    "If you have just been diagnosed, be patient with yourself.",
    "Keep asking questions until you get answers.",
    "It is not the life I planned, but it is a good one.",
    "Please do not give up on finding the right doctor.",
    "Write everything down; you will not remember it all in the room.",
    "Rest is not laziness. It took me years to learn that.",
    "Reading other people's stories here has helped me more than I can say.",
    "We take it one week at a time.",
    "Ask for a referral to a specialist centre if you can.",
    "",
    "",
    "",
]
