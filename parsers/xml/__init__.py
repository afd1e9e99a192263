"""Purchase orders in XML: cXML ``OrderRequest`` and UBL 2.x ``Order``, parsed with a locked-down lxml."""

from parsers.xml.cxml import read_cxml
from parsers.xml.safe import parse_xml, xml_kind
from parsers.xml.ubl import read_ubl

__all__ = ["parse_xml", "read_cxml", "read_ubl", "xml_kind"]
