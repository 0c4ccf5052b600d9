"""English word lists that stand in for a part-of-speech tagger, which is not available offline.

A word in none of them is taken for a noun: once function words, verbs, adjectives and
adverbs are out of the way, what is left of a story is mostly the things it talks about.
"""

# Words that open a noun phrase: a participle right after one is an adjective ("the frozen
# lake"), not a verb ("the boat froze").
DETERMINERS = frozenset(
    """
    a an the this that these those my your his her its our their some any every each no
    another either neither such what which whose several
    """.split()
)

# Function words, and words too general to film: they end a noun phrase and are never terms.
STOP_WORDS = frozenset(
    """
    about above across after again against ago all almost along already also although always
    am among and anyone are around as at away back be became because become been before
    behind being below beneath beside besides between beyond both but by can cannot could did
    do does doing done down during else enough even ever every except far few for from further
    get gets getting got had has have having he hence her here hers herself him himself his how
    however i if in inside instead into is it itself just least less let like made make many
    may maybe me might mine more most much must my myself near nearly never next no none nor
    not now of off often on once one only onto or other others otherwise our ours ourselves out
    outside over own perhaps please quite rather really said same say says see seem seemed
    seems shall she should since so some soon still such than that the their theirs them
    themselves then there therefore these they this those though through throughout thus till
    to together too toward towards under underneath unless until up upon us very via was we
    well went were what whatever when whenever where wherever whether which while who whoever
    whole whom whose why will with within without would yes yet you your yours yourself
    yourselves oh ah hey okay mr mrs ms dr
    time times day days way ways thing things lot lots kind sort part bit side place
    came come comes go goes going gone know knew known look looked looking looks took take
    takes taken told tell tells asked began begin away first second third last next
    zero two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred hundreds thousand thousands million millions dozen half
    """.split()
)

# Verbs that are seldom nouns, in the forms that do not end in -ed or -ing (those are told
# apart by where they stand).
VERBS = frozenset(
    """
    accept accepts add adds agree agrees allow allows appear appears arrive arrives ask asks
    become becomes begins begun believe believes blew blow blows blown break breaks broke
    bring brings brought build builds built buy buys bought carry carries catch catches caught
    chose choose chooses chosen climb climbs continue continues cries cry decide decides
    describe describes did die dies disappear disappears discover discovers drag drags drank
    draw draws drawn drew drift drifts drink drinks drive drives driven drove drunk eat eats
    ate eaten enter enters explain explains fall falls fell fallen feel feels felt fight
    fights find finds flee flees fled flew flies flown fly follow follows forget forgets
    forgave forgive forgot forgotten fought found gave give gives given glance glances gaze
    gazes grab grabs grew grow grows grown hang hangs happen happens hear hears heard help
    helps hid hide hides hidden hit hits hold holds held hung hurry hurries hurt hurts imagine
    imagines jump jumps keep keeps kept laid laugh laughs lay lays lead leads learn learns
    leave led left lie lies lift lifts listen listens live lives lose loses lost love loves meant
    mean means meet meets met move moves need needs notice notices open opens paid pass passes
    pay pays pick picks play plays promise promises pull pulls push pushes put puts ran reach
    reaches read reads realize realizes remember remembers replied replies reply return
    returns ride rides ridden rise rises risen rode run runs rush rushes sang sank saw seek
    seeks seen sell sells send sends sent set sets shake shakes shine shines shone shook shot
    shout shouts show shows shown shut sing sings sink sinks sit sits sat sleep sleeps slept
    slid slide slides smile smiles sold speak speaks spend spends spent spoke spoken stand
    stands stare stares start starts stay stays steal steals stole stolen stood stop stops
    struck sung sunk swam swept swim swims talk talks taught teach teaches thinks think threw
    throw throws thrown tore torn touch touches travel travels tried tries try turn turns
    understand understands understood wait waits wake wakes walk walks want wants watch
    watches wear wears whisper whispers win wins woke won wonder wonders wore worn write
    writes written wrote
    arose awoke bent bled bred burnt clung crept dealt dug fed flung froze knelt leapt lent
    lit rang sought sped spun sprang stung strode swore swung wept wove woven
    """.split()
)

# Verbs that say what a thing is: a word after one, with no "a" or "the", mostly describes
# it ("the sea was calm", "foxes are quick").
LINKING_VERBS = frozenset(
    "am is are was were be been being seem seems seemed become becomes became".split()
)

# Verbs that are also nouns, read as verbs right after a noun: "the waves rose higher", but
# "a red rose".
VERBS_AFTER_A_NOUN = frozenset("rose wound bore".split())

# Words that describe a thing: kept in front of a noun ("old lighthouse"), never a term alone.
ADJECTIVES = frozenset(
    """
    old new young little long short tall big small large huge tiny vast giant great good bad
    dark bright pale cold warm hot cool wet dry soft hard heavy empty full quiet loud silent
    deep high low wide narrow thick thin clean dirty fresh strange beautiful pretty ugly happy
    sad angry calm wild gentle rough smooth sharp sweet bitter strong weak rich poor busy
    lonely lovely lucky brave proud cruel fierce distant ancient modern early late true real
    sure ready alone afraid alive dead asleep awake entire certain main final black white red
    blue green yellow purple pink brown grey gray golden wooden frozen broken fallen hidden
    misty foggy stormy sunny rainy snowy cloudy windy rocky sandy dusty muddy grassy icy smoky
    shiny hungry sleepy lazy scary funny tired
    """.split()
)

# Nouns that look like adverbs (-ly) or participles (-ed, -ing) by their endings.
NOUNS_THAT_LOOK_LIKE_OTHER_WORDS = frozenset(
    """
    family butterfly dragonfly firefly lily jelly belly holly assembly supply
    bed shed sled seed weed reed steed speed breed flowerbed seabed riverbed
    building ceiling clothing darling duckling earring evening herring icing king landing
    lightning morning painting pudding railing ring sibling spring sting stocking string
    swing viking wedding wing
    """.split()
)
