"""Writes the pyx12-format maps in this folder from the compact tables below.

Run ``python -m parsers.x12.maps._generate`` after changing a table; the XML
files are the data the gateway (and pyx12) load, this script only writes them.

Sources: the published ASC X12 004010 and 005010 standards for 850 and 860
(segment order, requirement designators, max use, loop repeats, data element
dictionary).  Implementation-guide restrictions are deliberately not modelled.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent

# ---------------------------------------------------------------- data elements
# number: (type, min, max, name) -- 005010 values; DATAELE_4010 lists the
# elements whose 004010 definition is narrower.
DATAELE: dict[str, tuple[str, int, int, str]] = {
    # interchange / group envelope
    "I01": ("ID", 2, 2, "Authorization Information Qualifier"),
    "I02": ("AN", 10, 10, "Authorization Information"),
    "I03": ("ID", 2, 2, "Security Information Qualifier"),
    "I04": ("AN", 10, 10, "Security Information"),
    "I05": ("ID", 2, 2, "Interchange ID Qualifier"),
    "I06": ("AN", 15, 15, "Interchange Sender ID"),
    "I07": ("AN", 15, 15, "Interchange Receiver ID"),
    "I08": ("DT", 6, 6, "Interchange Date"),
    "I09": ("TM", 4, 4, "Interchange Time"),
    "I10": ("ID", 1, 1, "Interchange Control Standards Identifier"),
    "I65": ("AN", 1, 1, "Repetition Separator"),
    "I11": ("ID", 5, 5, "Interchange Control Version Number"),
    "I12": ("N0", 9, 9, "Interchange Control Number"),
    "I13": ("ID", 1, 1, "Acknowledgment Requested"),
    "I14": ("ID", 1, 1, "Interchange Usage Indicator"),
    "I15": ("AN", 1, 1, "Component Element Separator"),
    "I16": ("N0", 1, 5, "Number of Included Functional Groups"),
    "479": ("ID", 2, 2, "Functional Identifier Code"),
    "142": ("AN", 2, 15, "Application Sender's Code"),
    "124": ("AN", 2, 15, "Application Receiver's Code"),
    "28": ("N0", 1, 9, "Group Control Number"),
    "455": ("ID", 1, 2, "Responsible Agency Code"),
    "480": ("AN", 1, 12, "Version / Release / Industry Identifier Code"),
    "97": ("N0", 1, 6, "Number of Transaction Sets Included"),
    # transaction set
    "143": ("ID", 3, 3, "Transaction Set Identifier Code"),
    "329": ("AN", 4, 9, "Transaction Set Control Number"),
    "1705": ("AN", 1, 35, "Implementation Convention Reference"),
    "96": ("N0", 1, 10, "Number of Included Segments"),
    "353": ("ID", 2, 2, "Transaction Set Purpose Code"),
    "92": ("ID", 2, 2, "Purchase Order Type Code"),
    "324": ("AN", 1, 22, "Purchase Order Number"),
    "328": ("AN", 1, 30, "Release Number"),
    "327": ("AN", 1, 8, "Change Order Sequence Number"),
    "326": ("AN", 1, 45, "Request Reference Number"),
    "373": ("DT", 8, 8, "Date"),
    "337": ("TM", 4, 8, "Time"),
    "367": ("AN", 1, 30, "Contract Number"),
    "587": ("ID", 2, 2, "Acknowledgment Type"),
    "1019": ("ID", 3, 3, "Invoice Type Code"),
    "1166": ("ID", 2, 2, "Contract Type Code"),
    "1232": ("ID", 2, 2, "Purchase Category"),
    "786": ("ID", 2, 2, "Security Level Code"),
    "640": ("ID", 2, 2, "Transaction Type Code"),
    "98": ("ID", 2, 3, "Entity Identifier Code"),
    "100": ("ID", 3, 3, "Currency Code"),
    "280": ("R", 4, 10, "Exchange Rate"),
    "669": ("ID", 3, 3, "Currency Market/Exchange Code"),
    "374": ("ID", 3, 3, "Date/Time Qualifier"),
    "128": ("ID", 2, 3, "Reference Identification Qualifier"),
    "127": ("AN", 1, 50, "Reference Identification"),
    "352": ("AN", 1, 80, "Description"),
    "366": ("ID", 2, 2, "Contact Function Code"),
    "93": ("AN", 1, 60, "Name"),
    "365": ("ID", 2, 2, "Communication Number Qualifier"),
    "364": ("AN", 1, 256, "Communication Number"),
    "443": ("AN", 1, 20, "Contact Inquiry Reference"),
    "325": ("AN", 1, 20, "Tax Identification Number"),
    "309": ("ID", 1, 2, "Location Qualifier"),
    "310": ("AN", 1, 30, "Location Identifier"),
    "441": ("ID", 1, 1, "Tax Exempt Code"),
    "1179": ("ID", 1, 1, "Customs Entry Type Group Code"),
    "146": ("ID", 2, 2, "Shipment Method of Payment"),
    "334": ("ID", 2, 2, "Transportation Terms Qualifier Code"),
    "335": ("ID", 3, 3, "Transportation Terms Code"),
    "54": ("ID", 2, 2, "Risk of Loss Code"),
    "687": ("ID", 2, 2, "Class of Trade Code"),
    "236": ("ID", 3, 3, "Price Identifier Code"),
    "212": ("R", 1, 17, "Unit Price"),
    "380": ("R", 1, 15, "Quantity"),
    "648": ("ID", 3, 3, "Price Multiplier Qualifier"),
    "649": ("R", 1, 10, "Multiplier"),
    "782": ("R", 1, 18, "Monetary Amount"),
    "639": ("ID", 2, 2, "Basis of Unit Price Code"),
    "499": ("AN", 1, 10, "Condition Value"),
    "289": ("N0", 1, 2, "Multiple Price Quantity"),
    "355": ("ID", 2, 2, "Unit or Basis for Measurement Code"),
    "1018": ("R", 1, 15, "Exponent"),
    "673": ("ID", 2, 2, "Quantity Qualifier"),
    "522": ("ID", 1, 3, "Amount Qualifier Code"),
    "344": ("ID", 1, 2, "Unit of Time Period or Interval"),
    "1004": ("ID", 1, 2, "Percent Qualifier"),
    "954": ("R", 1, 10, "Percent"),
    "1073": ("ID", 1, 1, "Yes/No Condition or Response Code"),
    "563": ("ID", 1, 2, "Sales Requirement Code"),
    "306": ("ID", 1, 2, "Action Code"),
    "610": ("N2", 1, 15, "Amount"),
    "508": ("AN", 1, 35, "Account Number"),
    "560": ("ID", 1, 2, "Special Services Code"),
    "566": ("ID", 1, 2, "Product/Service Substitution Code"),
    "23": ("ID", 1, 1, "Commodity Code Qualifier"),
    "22": ("AN", 1, 30, "Commodity Code"),
    "248": ("ID", 1, 1, "Allowance or Charge Indicator"),
    "1300": ("ID", 4, 4, "Service, Promotion, Allowance, or Charge Code"),
    "559": ("ID", 2, 2, "Agency Qualifier Code"),
    "1301": ("AN", 1, 10, "Agency Service, Promotion, Allowance, or Charge Code"),
    "378": ("ID", 1, 1, "Allowance/Charge Percent Qualifier"),
    "332": ("R", 1, 6, "Percent, Decimal Format"),
    "118": ("R", 1, 9, "Rate"),
    "331": ("ID", 2, 2, "Allowance or Charge Method of Handling Code"),
    "770": ("AN", 1, 20, "Option Number"),
    "819": ("ID", 2, 3, "Language Code"),
    "336": ("ID", 2, 2, "Terms Type Code"),
    "333": ("ID", 1, 2, "Terms Basis Date Code"),
    "338": ("R", 1, 6, "Terms Discount Percent"),
    "370": ("DT", 8, 8, "Terms Discount Due Date"),
    "351": ("N0", 1, 3, "Terms Discount Days Due"),
    "446": ("DT", 8, 8, "Terms Net Due Date"),
    "386": ("N0", 1, 3, "Terms Net Days"),
    "362": ("N2", 1, 10, "Terms Discount Amount"),
    "388": ("DT", 8, 8, "Terms Deferred Due Date"),
    "389": ("N2", 1, 10, "Deferred Amount Due"),
    "342": ("R", 1, 5, "Percent of Invoice Payable"),
    "765": ("N0", 1, 2, "Day of Month"),
    "107": ("ID", 1, 2, "Payment Method Code"),
    "653": ("ID", 3, 3, "Discount Terms Type Code"),
    "654": ("ID", 2, 2, "Discount Base Qualifier"),
    "655": ("R", 1, 10, "Discount Base Value"),
    "656": ("ID", 2, 2, "Discount Control Limit Qualifier"),
    "657": ("N0", 1, 10, "Discount Control Limit"),
    "623": ("ID", 2, 2, "Time Code"),
    "1250": ("ID", 2, 3, "Date Time Period Format Qualifier"),
    "1251": ("AN", 1, 35, "Date Time Period"),
    "345": ("ID", 2, 2, "Lead Time Code"),
    "350": ("AN", 1, 20, "Assigned Identification"),
    "235": ("ID", 2, 2, "Product/Service ID Qualifier"),
    "234": ("AN", 1, 48, "Product/Service ID"),
    "1000": ("ID", 2, 2, "Service Characteristics Qualifier"),
    "349": ("ID", 1, 1, "Item Description Type"),
    "750": ("ID", 2, 3, "Product/Process Characteristic Code"),
    "751": ("AN", 1, 12, "Product Description Code"),
    "752": ("ID", 2, 2, "Surface/Layer/Position Code"),
    "822": ("AN", 1, 15, "Source Subqualifier"),
    "737": ("ID", 2, 2, "Measurement Reference ID Code"),
    "738": ("ID", 1, 3, "Measurement Qualifier"),
    "739": ("R", 1, 20, "Measurement Value"),
    "740": ("R", 1, 20, "Range Minimum"),
    "741": ("R", 1, 20, "Range Maximum"),
    "935": ("ID", 2, 2, "Measurement Significance Code"),
    "936": ("ID", 2, 2, "Measurement Attribute Code"),
    "1373": ("ID", 1, 2, "Measurement Method or Device"),
    "755": ("ID", 2, 2, "Report Type Code"),
    "756": ("ID", 1, 2, "Report Transmission Code"),
    "757": ("N0", 1, 2, "Report Copies Needed"),
    "66": ("ID", 1, 2, "Identification Code Qualifier"),
    "67": ("AN", 2, 80, "Identification Code"),
    "704": ("ID", 1, 2, "Paperwork/Report Action Code"),
    "1525": ("ID", 1, 2, "Request Category Code"),
    "753": ("ID", 2, 2, "Packaging Characteristic Code"),
    "754": ("AN", 1, 7, "Packaging Description Code"),
    "103": ("AN", 3, 5, "Packaging Code"),
    "80": ("N0", 1, 7, "Lading Quantity"),
    "79": ("AN", 1, 50, "Lading Description"),
    "187": ("ID", 1, 2, "Weight Qualifier"),
    "81": ("R", 1, 10, "Weight"),
    "183": ("R", 1, 8, "Volume"),
    "133": ("ID", 1, 2, "Routing Sequence Code"),
    "91": ("ID", 1, 2, "Transportation Method/Type Code"),
    "387": ("AN", 1, 35, "Routing"),
    "368": ("ID", 2, 2, "Shipment/Order Status Code"),
    "731": ("ID", 2, 2, "Transit Direction Code"),
    "732": ("ID", 2, 2, "Transit Time Direction Qualifier"),
    "733": ("R", 1, 4, "Transit Time"),
    "284": ("ID", 1, 2, "Service Level Code"),
    "26": ("ID", 2, 3, "Country Code"),
    "40": ("ID", 2, 2, "Equipment Description Code"),
    "206": ("AN", 1, 4, "Equipment Initial"),
    "207": ("AN", 1, 10, "Equipment Number"),
    "102": ("ID", 1, 1, "Ownership Code"),
    "407": ("ID", 1, 2, "Seal Status Code"),
    "225": ("AN", 2, 15, "Seal Number"),
    "24": ("ID", 4, 4, "Equipment Type"),
    "152": ("ID", 2, 3, "Special Handling Code"),
    "208": ("ID", 1, 1, "Hazardous Material Code Qualifier"),
    "209": ("AN", 1, 10, "Hazardous Material Class Code"),
    "88": ("ID", 1, 2, "Marks and Numbers Qualifier"),
    "87": ("AN", 1, 48, "Marks and Numbers"),
    "688": ("ID", 2, 2, "Restrictions/Conditions Qualifier"),
    "963": ("ID", 2, 2, "Tax Type Code"),
    "955": ("ID", 2, 2, "Tax Jurisdiction Code Qualifier"),
    "956": ("AN", 1, 10, "Tax Jurisdiction Code"),
    "662": ("ID", 1, 1, "Relationship Code"),
    "828": ("R", 1, 9, "Dollar Basis For Percent"),
    "478": ("ID", 1, 1, "Credit/Debit Flag Code"),
    "1196": ("ID", 2, 2, "Breakdown Structure Detail Code"),
    "1195": ("AN", 1, 80, "Financial Information Code"),
    "369": ("AN", 1, 45, "Free-form Description"),
    "933": ("AN", 1, 264, "Free-Form Message Text"),
    "934": ("ID", 2, 2, "Printer Carriage Control Code"),
    "1470": ("N0", 1, 9, "Number"),
    "706": ("ID", 2, 2, "Entity Relationship Code"),
    "166": ("AN", 1, 55, "Address Information"),
    "19": ("AN", 2, 30, "City Name"),
    "156": ("ID", 2, 2, "State or Province Code"),
    "116": ("ID", 3, 15, "Postal Code"),
    "1715": ("ID", 1, 3, "Country Subdivision Code"),
    "1106": ("ID", 2, 2, "Address Component Qualifier"),
    "1096": ("ID", 1, 1, "County Designator Code"),
    "1270": ("ID", 1, 3, "Code List Qualifier Code"),
    "1271": ("AN", 1, 30, "Industry Code"),
    "1000X": ("AN", 1, 80, "unused"),
    "1322": ("ID", 1, 2, "Entity Purpose Code"),
    "1401": ("ID", 2, 2, "Entity Status Code"),
    "1324": ("AN", 1, 20, "Entity Title"),
    "1327": ("AN", 1, 20, "Entity Value"),
    "1328": ("ID", 1, 2, "Entity Value Qualifier"),
    "1329": ("ID", 1, 2, "Hierarchical Structure Code (entity)"),
    "1001": ("ID", 1, 3, "Advertising Medium Code"),
    "363": ("ID", 3, 3, "Note Reference Code"),
    "1551": ("AN", 1, 4096, "Textual Data"),
    "1552": ("ID", 1, 2, "Printer Carriage Control Code"),
    "330": ("R", 1, 15, "Quantity Ordered"),
    "671": ("R", 1, 9, "Quantity Left to Receive"),
    "670": ("ID", 2, 2, "Change or Response Type Code"),
    "799": ("AN", 1, 30, "Version Identifier"),
    "371": ("ID", 2, 2, "Change Reason Code"),
    "356": ("N0", 1, 6, "Pack"),
    "357": ("R", 1, 8, "Size"),
    "384": ("R", 1, 9, "Gross Weight per Pack"),
    "385": ("R", 1, 9, "Gross Volume per Pack"),
    "82": ("R", 1, 8, "Length"),
    "189": ("R", 1, 8, "Width"),
    "65": ("R", 1, 8, "Height"),
    "810": ("N0", 1, 6, "Inner Pack"),
    "382": ("R", 1, 10, "Number of Units Shipped"),
    "383": ("R", 1, 9, "Quantity Difference"),
    "61": ("AN", 1, 30, "Free-Form Information"),
    "447": ("AN", 1, 6, "Loop Identifier Code"),
    "354": ("N0", 1, 6, "Number of Line Items"),
    "347": ("R", 1, 10, "Hash Total"),
}
DATAELE.pop("1000X")

DATAELE_4010: dict[str, tuple[str, int, int, str]] = {
    "127": ("AN", 1, 30, "Reference Identification"),
    "364": ("AN", 1, 80, "Communication Number"),
}

# ---------------------------------------------------------------- composites
# requirement designator (M mandatory, O optional, X conditional) + element
COMPOSITES: dict[str, tuple[str, str]] = {
    "C001": (
        "Composite Unit of Measure",
        "M355 O1018 O649 X355 X1018 X649 X355 X1018 X649 X355 X1018 X649 X355 X1018 X649",
    ),
    "C040": ("Reference Identifier", "M128 M127 X128 X127 X128 X127"),
    "C002": ("Actions Indicated", "M704 O704 O704 O704 O704"),
}


def _pairs(first: int, count: int, a: str, b: str) -> str:
    return " ".join(f"X{a} X{b}" for _ in range(count))


# ---------------------------------------------------------------- segments
SEGMENTS: dict[str, tuple[str, str]] = {
    "ST": ("Transaction Set Header", "M143 M329 O1705"),
    "SE": ("Transaction Set Trailer", "M96 M329"),
    "BEG": (
        "Beginning Segment for Purchase Order",
        "M353 M92 M324 O328 M373 O367 O587 O1019 O1166 O1232 O786 O640",
    ),
    "BCH": (
        "Beginning Segment for Purchase Order Change",
        "M353 M92 M324 O328 O327 M373 O326 O367 O127 O373 O373 O1166 O786 O587 O640 O1232",
    ),
    "CUR": ("Currency", "M98 M100 O280 O98 O100 O669" + " X374 X373 X337" * 5),
    "REF": ("Reference Identification", "M128 X127 X352 OC040"),
    "PER": ("Administrative Communications Contact", "M366 O93 X365 X364 X365 X364 X365 X364 O443"),
    "TAX": ("Tax Reference", "X325 X309 X310 X309 X310 X309 X310 X309 X310 X309 X310 O441 O1179"),
    "FOB": ("F.O.B. Related Instructions", "M146 X309 O352 O334 X335 X309 O352 O54 X352"),
    "CTP": ("Pricing Information", "O687 X236 X212 X380 XC001 O648 X649 O782 O639 O499 O289"),
    "PAM": ("Period Amount", "X673 X380 XC001 X522 X782 X344 X374 X373 X337 X373 X337 X1004 X954 O1073"),
    "CSH": ("Sales Requirements", "O563 X306 X610 O508 O373 O560 O566 X954 X1004"),
    "TC2": ("Commodity", "M23 M22"),
    "SAC": (
        "Service, Promotion, Allowance, or Charge Information",
        "M248 X1300 X559 X1301 O610 X378 X332 O118 X355 X380 O380 X331 X127 O770 X352 X819",
    ),
    "ITD": (
        "Terms of Sale/Deferred Terms of Sale",
        "O336 O333 O338 X370 X351 O446 O386 O362 O388 X389 X342 O352 X765 X107 X954",
    ),
    "DIS": ("Discount Detail", "M653 M654 M655 M656 M657 O657"),
    "INC": ("Installment Information", "M336 MC001 M380 M380 O782"),
    "DTM": ("Date/Time Reference", "M374 X373 X337 O623 X1250 X1251"),
    "LDT": ("Lead Time", "M345 M380 M344 O373"),
    "LIN": ("Item Identification", "O350 M235 M234 " + _pairs(4, 14, "235", "234")),
    "SI": ("Service Characteristic Identification", "M559 M1000 M234 " + _pairs(4, 9, "1000", "234")),
    "PID": ("Product/Item Description", "M349 O750 X559 X751 X352 O752 O822 O1073 O819"),
    "MEA": ("Measurements", "O737 X738 X739 XC001 X740 X741 O935 X936 O752 O1373"),
    "PWK": ("Paperwork", "M755 O756 O757 O98 X66 X67 O352 OC002 O1525"),
    "PKG": ("Marking, Packaging, Loading", "X349 O753 O559 X754 X352 O819"),
    "TD1": ("Carrier Details (Quantity and Weight)", "O103 X80 O23 X22 O79 O187 X81 X355 X183 X355"),
    "TD5": (
        "Carrier Details (Routing Sequence/Transit Time)",
        "O133 X66 X67 X91 X387 X368 O309 X310 X731 O732 X733 X284 O284 O284 O26",
    ),
    "TD3": ("Carrier Details (Equipment)", "X40 O206 X207 O187 X81 X355 O102 O407 O225 O24"),
    "TD4": (
        "Carrier Details (Special Handling, or Hazardous Materials, or Both)",
        "X152 X208 X209 X352 O1073",
    ),
    "MAN": ("Marks and Numbers", "M88 M87 O87 X88 X87 O87"),
    "PCT": ("Percent Amounts", "M1004 M954"),
    "CTB": ("Restrictions/Conditions", "M688 X352 X673 X380 X522 X610"),
    "TXI": ("Tax Information", "M963 X782 X954 X955 X956 X441 O662 O828 O325 O350"),
    "AMT": ("Monetary Amount", "M522 M782 O478"),
    "FA1": ("Type of Financial Accounting Data", "M559 O1300 O248"),
    "FA2": ("Accounting Data", "M1196 M1195"),
    "N9": ("Reference Identification", "M128 X127 X369 O373 X337 O623 OC040"),
    "MSG": ("Message Text", "M933 O934 X1470"),
    "N1": ("Name", "M98 X93 X66 X67 O706 O98"),
    "N2": ("Additional Name Information", "M93 O93"),
    "N3": ("Address Information", "M166 O166"),
    "N4": ("Geographic Location", "O19 O156 O116 O26 X309 O310 X1715"),
    "NX2": ("Location ID Component", "M1106 M166 O1096"),
    "LM": ("Code Source Information", "M559 O822"),
    "LQ": ("Industry Code", "O1270 X1271"),
    "SPI": ("Specification Identifier", "M786 X128 X127 X352 O1324 O1322 O1401 O1327 O1328 O1329 O1073 O819"),
    "G61": ("Contact", "M366 M93 X365 X364 O443"),
    "ADV": ("Advertising Demographic Information", "M559 M1000 O1001 O380 OC001 O352 O373 O373"),
    "MTX": ("Text", "O363 X1551 X1552"),
    "PO1": ("Baseline Item Data", "O350 X330 O355 X212 O639 " + _pairs(6, 10, "235", "234")),
    "POC": ("Line Item Change", "O350 M670 O330 X671 XC001 X212 O639 " + _pairs(8, 10, "235", "234")),
    "CN1": ("Contract Information", "M1166 O782 O332 O127 O338 O799"),
    "PO3": ("Additional Item Detail", "M371 O373 X236 X212 X639 M380 M355 O352"),
    "PO4": (
        "Item Physical Details",
        "O356 X357 X355 X103 X187 X384 X355 X385 X355 X82 X189 X65 X355 O810 O752 X350 O350 O1470",
    ),
    "IT8": ("Conditions of Sale", "O563 O306 O610 O508 O373 O560 O566 " + _pairs(8, 9, "235", "234")),
    "SDQ": ("Destination Quantity", "M355 O66 M67 M380 " + _pairs(5, 9, "67", "380") + " O310"),
    "IT3": ("Additional Item Data", "X382 X355 X368 X383 O371"),
    "QTY": ("Quantity", "M673 X380 OC001 X61"),
    "SCH": ("Line Item Schedule", "M380 M355 X98 X93 M374 M373 O337 X374 X373 O337 O326 O350"),
    "SLN": ("Subline Item Detail", "M350 O350 M662 X380 XC001 X212 O639 O662 " + _pairs(9, 10, "235", "234")),
    "LS": ("Loop Header", "M447"),
    "LE": ("Loop Trailer", "M447"),
    "CTT": ("Transaction Totals", "M354 O347 X81 X355 X183 X355 O352"),
}

# 004010 segments that differ from the 005010 layout above
SEGMENTS_4010: dict[str, str] = {
    "ST": "M143 M329",
    "N4": "O19 O156 O116 O26 X309 O310",
}


# ---------------------------------------------------------------- code lists
def _codes(text: str) -> list[str]:
    return text.split()


CODES_353 = _codes(
    "00 01 02 03 04 05 06 07 08 10 11 12 13 14 15 16 17 18 19 20 21 22 24 25 26 27 28 30 31 32 "
    "33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 5C 77 CN CO EX GR "
    "PR RH RV SU ZZ"
)
CODES_92 = _codes(
    "AB AC AO BD BE BH BK BL BQ BY CA CC CF CN CO CP CR DR DS EO EX FH IN JL KA KB KC KD KE KG "
    "KI KN KO KP KQ KR KS KT LB LS NE NO NP NS OS PR RA RC RE RL RN RO RR RT RU RW SA SO SP SS "
    "ST SW TC TM TR UD UE US WO ZZ"
)
CODES_670 = _codes(
    "AA AI CA CB CC CE CF CG CH CI CT DI MU NC OA OC PC PQ PR QC QD QI RA RB RC RE RM RQ RS RZ TI"
)
# (segment, element position) -> codes; only stable lists the gateway relies on
CODE_LISTS: dict[tuple[str, int], list[str]] = {
    ("BEG", 1): CODES_353,
    ("BEG", 2): CODES_92,
    ("BCH", 1): CODES_353,
    ("BCH", 2): CODES_92,
    ("POC", 2): CODES_670,
}


# ---------------------------------------------------------------- structure
def S(seg: str, req: str, max_use: str | int) -> tuple:
    return ("seg", seg, req, str(max_use))


def L(loop_id: str, req: str, repeat: str | int, *children: tuple) -> tuple:
    return ("loop", loop_id, req, str(repeat), children)


N = ">1"


def _n1_header_850() -> tuple:
    return L(
        "N1", "O", 200,
        S("N1", "O", 1), S("N2", "O", 2), S("N3", "O", 2), S("N4", "O", N), S("NX2", "O", N),
        S("REF", "O", 12), S("PER", "O", N), S("SI", "O", N), S("FOB", "O", 1), S("TD1", "O", 2),
        S("TD5", "O", 12), S("TD3", "O", 12), S("TD4", "O", 5), S("PKG", "O", 200),
    )  # fmt: skip


def _lm() -> tuple:
    return L("LM", "O", N, S("LM", "O", 1), L("LQ", "M", N, S("LQ", "M", 1)))


def _n9() -> tuple:
    return L("N9", "O", 1000, S("N9", "O", 1), S("DTM", "O", N), S("MSG", "O", 1000))


def _sac(with_ctp: bool) -> tuple:
    kids = [S("SAC", "O", 1), S("CUR", "O", 1)]
    if with_ctp:
        kids.append(S("CTP", "O", 1))
    return L("SAC", "O", 25, *kids)


def _ldt_block() -> list[tuple]:
    return [
        S("LS", "O", 1),
        L("LDT", "O", 1000, S("LDT", "O", 1), S("QTY", "O", N), S("MSG", "O", N), S("REF", "O", 3), _lm()),
        S("LE", "O", 1),
    ]


def _n1_detail() -> tuple:
    return L(
        "N1", "O", 200,
        S("N1", "O", 1), S("N2", "O", 2), S("N3", "O", 2), S("N4", "O", 1), S("QTY", "O", N),
        S("NX2", "O", N), S("REF", "O", 12), S("PER", "O", 3), S("SI", "O", N), S("DTM", "O", 1),
        S("FOB", "O", 1), S("SCH", "O", 200), S("TD1", "O", 2), S("TD5", "O", 12), S("TD3", "O", 12),
        S("TD4", "O", 5), S("PKG", "O", 200),
        L("LDT", "O", N, S("LDT", "O", 1), S("MAN", "O", 10), S("QTY", "O", 5), S("MSG", "O", N),
          S("REF", "O", 3)),
    )  # fmt: skip


def _sln() -> tuple:
    return L(
        "SLN", "O", 1000,
        S("SLN", "O", 1), S("MSG", "O", N), S("SI", "O", N), S("PID", "O", 1000), S("PO3", "O", 104),
        S("TC2", "O", N), S("ADV", "O", N), S("DTM", "O", 10), S("CTP", "O", 25), S("PAM", "O", 10),
        S("PO4", "O", 1), S("TAX", "O", 3),
        L("N9", "O", N, S("N9", "O", 1), S("DTM", "O", N), S("MSG", "O", 10)),
        L("SAC", "O", 25, S("SAC", "O", 1), S("CUR", "O", 1), S("CTP", "O", 1)),
        L("QTY", "O", N, S("QTY", "O", 1), S("SI", "O", N)),
        L("N1", "O", 10, S("N1", "O", 1), S("N2", "O", 2), S("N3", "O", 2), S("N4", "O", 1),
          S("NX2", "O", N), S("REF", "O", 12), S("PER", "O", 3), S("SI", "O", N)),
    )  # fmt: skip


def _qty_sch() -> list[tuple]:
    return [
        L("QTY", "O", N, S("QTY", "O", 1), S("SI", "O", N)),
        L("SCH", "O", 200, S("SCH", "O", 1), S("TD1", "O", 2), S("TD5", "O", 12), S("TD3", "O", 12),
          S("TD4", "O", 5), S("REF", "O", N)),
    ]  # fmt: skip


def _carrier(td1: int) -> list[tuple]:
    return [S("TD1", "O", td1), S("TD5", "O", 12), S("TD3", "O", 12), S("TD4", "O", 5)]


def structure_850() -> tuple[list[tuple], list[tuple], list[tuple]]:
    header = [
        S("BEG", "M", 1), S("CUR", "O", 1), S("REF", "O", N), S("PER", "O", 3), S("TAX", "O", N),
        S("FOB", "O", N), S("CTP", "O", N), S("PAM", "O", 10), S("CSH", "O", 5), S("TC2", "O", N),
        _sac(False), S("ITD", "O", N), S("DIS", "O", 20), S("INC", "O", 1), S("DTM", "O", 10),
        S("LDT", "O", 12), S("LIN", "O", 5), S("SI", "O", N),
        L("PID", "O", 200, S("PID", "O", 1), S("MEA", "O", 10)),
        S("MEA", "O", 40), S("PWK", "O", 25), S("PKG", "O", 200), *_carrier(2), S("MAN", "O", 10),
        S("PCT", "O", N), S("CTB", "O", 5), S("TXI", "O", N),
        L("AMT", "O", N, S("AMT", "O", 1), S("REF", "O", N), S("DTM", "O", 1), S("PCT", "O", N),
          L("FA1", "O", N, S("FA1", "O", 1), S("FA2", "M", N))),
        _n9(), _n1_header_850(), _lm(),
        L("SPI", "O", N, S("SPI", "O", 1), S("REF", "O", 5), S("DTM", "O", 5), S("MSG", "O", 50),
          L("N1", "O", 20, S("N1", "O", 1), S("N2", "O", 2), S("N3", "O", 2), S("N4", "O", 1),
            S("G61", "O", 1), S("MSG", "O", 50))),
        L("ADV", "O", N, S("ADV", "O", 1), S("DTM", "O", N), S("MTX", "O", N)),
    ]  # fmt: skip
    detail = [
        L("PO1", "M", 100000,
          S("PO1", "M", 1), S("LIN", "O", N), S("SI", "O", N), S("CUR", "O", 1), S("CN1", "O", 1),
          S("PO3", "O", 25),
          L("CTP", "O", N, S("CTP", "O", 1), S("CUR", "O", 1)),
          S("MEA", "O", 40),
          L("PID", "O", 1000, S("PID", "O", 1), S("MEA", "O", 10)),
          S("PWK", "O", 25), S("PO4", "O", N), S("REF", "O", N), S("PER", "O", 3), _sac(True),
          S("IT8", "O", 1), S("CSH", "O", N), S("ITD", "O", 2), S("DIS", "O", 20), S("INC", "O", 1),
          S("TAX", "O", N), S("FOB", "O", N), S("SDQ", "O", 500), S("IT3", "O", 5), S("DTM", "O", 10),
          S("TC2", "O", N), *_carrier(1), S("PCT", "O", N), S("MAN", "O", 10), S("MSG", "O", N),
          S("SPI", "O", N), S("TXI", "O", N), S("CTB", "O", N), *_qty_sch(), S("PKG", "O", 200),
          *_ldt_block(), _n9(), _n1_detail(), _sln(),
          L("AMT", "O", N, S("AMT", "O", 1), S("REF", "O", 1), S("PCT", "O", N)),
          _lm()),
    ]  # fmt: skip
    summary = [L("CTT", "O", 1, S("CTT", "O", 1), S("AMT", "O", 1))]
    return header, detail, summary


def structure_860() -> tuple[list[tuple], list[tuple], list[tuple]]:
    header = [
        S("BCH", "M", 1), S("CUR", "O", 1), S("REF", "O", N), S("PER", "O", 3), S("TAX", "O", N),
        S("FOB", "O", N), S("CTP", "O", N), S("CSH", "O", 5), _sac(False), S("ITD", "O", 5),
        S("DIS", "O", 20), S("INC", "O", 1), S("DTM", "O", 10), S("PID", "O", 200), S("MEA", "O", 40),
        S("PWK", "O", 25), S("PKG", "O", 200), *_carrier(2), S("MAN", "O", 10), S("TXI", "O", N),
        S("CTB", "O", 5), _n9(), _n1_header_850(), _lm(),
    ]  # fmt: skip
    detail = [
        L("POC", "O", 100000,
          S("POC", "O", 1), S("LIN", "O", N), S("SI", "O", N), S("CUR", "O", 1), S("PO3", "O", 25),
          S("CTP", "O", N), S("MEA", "O", 40),
          L("PID", "O", 1000, S("PID", "O", 1), S("MEA", "O", 10)),
          S("PWK", "O", 25), S("PO4", "O", N), S("REF", "O", N), S("PER", "O", 3), _sac(True),
          S("IT8", "O", N), S("CSH", "O", N), S("ITD", "O", 2), S("DIS", "O", 20), S("INC", "O", 1),
          S("TAX", "O", N), S("FOB", "O", N), S("SDQ", "O", 500), S("DTM", "O", 10), S("TC2", "O", N),
          *_carrier(1), S("PCT", "O", N), S("MAN", "O", 10), S("MSG", "O", N), S("SPI", "O", N),
          S("TXI", "O", N), S("CTB", "O", N), *_qty_sch(), *_ldt_block(), _n9(), _n1_detail(), _sln()),
    ]  # fmt: skip
    summary = [L("CTT", "O", 1, S("CTT", "O", 1), S("AMT", "O", 1))]
    return header, detail, summary


# ---------------------------------------------------------------- XML writing
USAGE = {"M": "R", "O": "S", "X": "S"}


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)


def _tokens(spec: str) -> list[tuple[str, str]]:
    return [(t[0], t[1:]) for t in spec.split()]


def _element(w: _Writer, d: int, xid: str, num: str, req: str, seq: int, codes: list[str] | None) -> None:
    name = DATAELE[num][3]
    w.add(d, f'<element xid="{xid}">')
    w.add(d + 1, f"<data_ele>{num}</data_ele>")
    w.add(d + 1, f"<name>{escape(name)}</name>")
    w.add(d + 1, f"<usage>{USAGE[req]}</usage>")
    w.add(d + 1, f"<seq>{seq:02d}</seq>")
    if codes:
        w.add(d + 1, "<valid_codes>")
        for c in codes:
            w.add(d + 2, f"<code>{c}</code>")
        w.add(d + 1, "</valid_codes>")
    w.add(d, "</element>")


def _segment(w: _Writer, d: int, seg: str, req: str, max_use: str, pos: int, version: str, st01: str) -> None:
    name, spec = SEGMENTS[seg]
    if version == "4010":
        spec = SEGMENTS_4010.get(seg, spec)
    w.add(d, f'<segment xid="{seg}">')
    w.add(d + 1, f"<name>{escape(name)}</name>")
    w.add(d + 1, f"<usage>{USAGE[req]}</usage>")
    w.add(d + 1, f"<pos>{pos}</pos>")
    w.add(d + 1, f"<max_use>{escape(max_use)}</max_use>")
    for i, (r, num) in enumerate(_tokens(spec), start=1):
        xid = f"{seg}{i:02d}"
        if num.startswith("C"):
            cname, cspec = COMPOSITES[num]
            w.add(d + 1, f'<composite xid="{xid}">')
            w.add(d + 2, f"<data_ele>{num}</data_ele>")
            w.add(d + 2, f"<name>{escape(cname)}</name>")
            w.add(d + 2, f"<usage>{USAGE[r]}</usage>")
            w.add(d + 2, f"<seq>{i:02d}</seq>")
            for j, (cr, cnum) in enumerate(_tokens(cspec), start=1):
                _element(w, d + 2, f"{xid}-{j:02d}", cnum, cr, j, None)
            w.add(d + 1, "</composite>")
        else:
            codes = CODE_LISTS.get((seg, i))
            if seg == "ST" and i == 1:
                codes = [st01]
            _element(w, d + 1, xid, num, r, i, codes)
    w.add(d, "</segment>")


def _children(w: _Writer, d: int, nodes: list[tuple] | tuple, version: str, st01: str) -> None:
    for pos, node in enumerate(nodes, start=1):
        if node[0] == "seg":
            _segment(w, d, node[1], node[2], node[3], pos * 10, version, st01)
        else:
            _, loop_id, req, repeat, kids = node
            w.add(d, f'<loop xid="{loop_id}">')
            w.add(d + 1, f"<name>{loop_id} Loop</name>")
            w.add(d + 1, f"<usage>{USAGE[req]}</usage>")
            w.add(d + 1, f"<pos>{pos * 10}</pos>")
            w.add(d + 1, f"<repeat>{escape(repeat)}</repeat>")
            _children(w, d + 1, kids, version, st01)
            w.add(d, "</loop>")


ENVELOPE_SEGMENTS: dict[str, tuple[str, list[tuple[str, str, list[str] | None]]]] = {
    "ISA": (
        "Interchange Control Header",
        [
            ("I01", "M", None),
            ("I02", "M", None),
            ("I03", "M", None),
            ("I04", "M", None),
            ("I05", "M", None),
            ("I06", "M", None),
            ("I05", "M", None),
            ("I07", "M", None),
            ("I08", "M", None),
            ("I09", "M", None),
            ("I10", "M", None),
            ("I11", "M", None),
            ("I12", "M", None),
            ("I13", "M", ["0", "1"]),
            ("I14", "M", ["P", "T", "I"]),
            ("I15", "M", None),
        ],
    ),
    "GS": (
        "Functional Group Header",
        [
            ("479", "M", None),
            ("142", "M", None),
            ("124", "M", None),
            ("373", "M", None),
            ("337", "M", None),
            ("28", "M", None),
            ("455", "M", None),
            ("480", "M", None),
        ],
    ),
    "GE": ("Functional Group Trailer", [("97", "M", None), ("28", "M", None)]),
    "IEA": ("Interchange Control Trailer", [("I16", "M", None), ("I12", "M", None)]),
}


def _env_segment(w: _Writer, d: int, seg: str, pos: int, icvn: str) -> None:
    name, elems = ENVELOPE_SEGMENTS[seg]
    w.add(d, f'<segment xid="{seg}">')
    w.add(d + 1, f"<name>{name}</name>")
    w.add(d + 1, "<usage>R</usage>")
    w.add(d + 1, f"<pos>{pos}</pos>")
    w.add(d + 1, "<max_use>1</max_use>")
    for i, (num, req, codes) in enumerate(elems, start=1):
        if seg == "ISA" and i == 11 and icvn == "00501":
            num = "I65"
        if seg == "ISA" and i == 12:
            codes = [icvn]
        _element(w, d + 1, f"{seg}{i:02d}", num, req, i, codes)
    w.add(d, "</segment>")


def _open_envelope(w: _Writer, icvn: str) -> None:
    w.add(1, '<loop xid="ISA_LOOP" type="explicit">')
    w.add(2, "<name>Interchange Control Header</name>")
    w.add(2, "<usage>R</usage>")
    w.add(2, "<pos>10</pos>")
    w.add(2, "<repeat>&gt;1</repeat>")
    _env_segment(w, 2, "ISA", 10, icvn)
    w.add(2, '<loop xid="GS_LOOP" type="explicit">')
    w.add(3, "<name>Functional Group Header</name>")
    w.add(3, "<usage>R</usage>")
    w.add(3, "<pos>20</pos>")
    w.add(3, "<repeat>&gt;1</repeat>")
    _env_segment(w, 3, "GS", 10, icvn)


def _close_envelope(w: _Writer, icvn: str) -> None:
    _env_segment(w, 3, "GE", 30, icvn)
    w.add(2, "</loop>")
    _env_segment(w, 2, "IEA", 30, icvn)
    w.add(1, "</loop>")


def _table(
    w: _Writer, d: int, xid: str, req: str, pos: int, kids: list[tuple], version: str, st01: str
) -> None:
    w.add(d, f'<loop xid="{xid}" type="wrapper">')
    w.add(d + 1, f"<name>{xid.title()}</name>")
    w.add(d + 1, f"<usage>{req}</usage>")
    w.add(d + 1, f"<pos>{pos}</pos>")
    w.add(d + 1, "<repeat>1</repeat>")
    _children(w, d + 1, kids, version, st01)
    w.add(d, "</loop>")


HEADER_COMMENT = (
    "<!-- Generated by parsers/x12/maps/_generate.py from the published ASC X12 {v} standard. -->"
)


def transaction_map(set_id: str, version: str) -> str:
    header, detail, summary = structure_850() if set_id == "850" else structure_860()
    name = "Purchase Order" if set_id == "850" else "Purchase Order Change Request - Buyer Initiated"
    icvn = "00401" if version == "4010" else "00501"
    w = _Writer()
    w.add(0, '<?xml version="1.0" encoding="utf-8"?>')
    w.add(0, HEADER_COMMENT.format(v="00" + version))
    w.add(0, f'<transaction xid="{set_id}">')
    w.add(1, f"<name>{name} - {set_id} ({version})</name>")
    _open_envelope(w, icvn)
    w.add(3, '<loop xid="ST_LOOP" type="explicit">')
    w.add(4, "<name>Transaction Set Header</name>")
    w.add(4, "<usage>R</usage>")
    w.add(4, "<pos>20</pos>")
    w.add(4, "<repeat>&gt;1</repeat>")
    _segment(w, 4, "ST", "M", "1", 10, version, set_id)
    _table(w, 4, "HEADER", "R", 20, header, version, set_id)
    detail_usage = "R" if set_id == "850" else "S"
    _table(w, 4, "DETAIL", detail_usage, 30, detail, version, set_id)
    _table(w, 4, "FOOTER", "S", 40, summary, version, set_id)
    _segment(w, 4, "SE", "M", "1", 50, version, set_id)
    w.add(3, "</loop>")
    _close_envelope(w, icvn)
    w.add(0, "</transaction>")
    return "\n".join(w.lines) + "\n"


def control_map(icvn: str) -> str:
    w = _Writer()
    w.add(0, '<?xml version="1.0" encoding="utf-8"?>')
    w.add(0, '<transaction xid="X12">')
    w.add(1, f"<name>X12 control segments ({icvn})</name>")
    _open_envelope(w, icvn)
    _close_envelope(w, icvn)
    w.add(0, "</transaction>")
    return "\n".join(w.lines) + "\n"


def dataele_xml(table: dict[str, tuple[str, int, int, str]], note: str) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>', f"<!-- {note} -->", "<data_elements>"]
    for num in sorted(table):
        t, lo, hi, name = table[num]
        out.append(
            f'  <data_ele ele_num="{num}" data_type="{t}" min_len="{lo}" max_len="{hi}"'
            f' name="{escape(name)}"/>'
        )
    out.append("</data_elements>")
    return "\n".join(out) + "\n"


VRIIC_4010 = [
    "004010",
    "004010VICS",
    "004010UCS",
    "004020",
    "004030",
    "004030VICS",
    "004040",
    "004050",
    "004060",
]
VRIIC_5010 = ["005010", "005010VICS", "005010UCS"]


def maps_xml() -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!-- pyx12 map index: ISA12, GS08, GS01 -> map -->",
        "<maps>",
    ]
    for icvn, vriics, version in (
        ("00401", VRIIC_4010, "4010"),
        ("00403", VRIIC_4010, "4010"),
        ("00501", VRIIC_5010, "5010"),
    ):
        out.append(f'  <version icvn="{icvn}">')
        for v in vriics:
            out.append(f'    <map vriic="{v}" fic="PO" abbr="850">850.{version}.xml</map>')
            out.append(f'    <map vriic="{v}" fic="PC" abbr="860">860.{version}.xml</map>')
        ctl = "00501" if version == "5010" else "00401"
        out.append(f'    <map vriic="" fic="" abbr="X12">x12.control.{ctl}.xml</map>')
        out.append("  </version>")
    out.append("</maps>")
    return "\n".join(out) + "\n"


def main() -> None:
    for set_id in ("850", "860"):
        for version in ("4010", "5010"):
            (HERE / f"{set_id}.{version}.xml").write_text(transaction_map(set_id, version), encoding="utf-8")
    (HERE / "x12.control.00401.xml").write_text(control_map("00401"), encoding="utf-8")
    (HERE / "x12.control.00501.xml").write_text(control_map("00501"), encoding="utf-8")
    (HERE / "dataele.xml").write_text(
        dataele_xml(
            DATAELE, "X12 data elements (005010 definitions; dataele.4010.xml narrows some for 004010)"
        ),
        encoding="utf-8",
    )
    (HERE / "dataele.4010.xml").write_text(
        dataele_xml(DATAELE_4010, "004010 definitions that differ from dataele.xml"), encoding="utf-8"
    )
    (HERE / "codes.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- no external code sets are used -->\n'
        "<codesets>\n</codesets>\n",
        encoding="utf-8",
    )
    (HERE / "maps.xml").write_text(maps_xml(), encoding="utf-8")


if __name__ == "__main__":
    main()
